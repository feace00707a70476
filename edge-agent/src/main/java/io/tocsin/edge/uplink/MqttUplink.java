package io.tocsin.edge.uplink;

import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.TelemetryBatch;
import java.time.Duration;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes telemetry batches over MQTT 5 at QoS 1 (Eclipse Paho) to
 * {@code tocsin/v1/telemetry/{site}/{device}} and waits for the PUBACK.
 *
 * <p>A PUBACK with a failure reason code (for example 0x80 when the platform could not store the reading)
 * counts as "not acknowledged": MQTT 5 considers such a message finished, so it is the caller that keeps
 * the batch and publishes it again.
 */
public final class MqttUplink implements Uplink {

    private static final Logger log = LoggerFactory.getLogger(MqttUplink.class);

    private final MqttAsyncClient client;
    private final Duration ackTimeout;

    /**
     * Connects to {@code serverUri} (e.g. {@code tcp://127.0.0.1:1883}); Paho reconnects by itself after a
     * connection loss.
     */
    public static MqttUplink connect(String serverUri, String clientId, Duration ackTimeout) throws UplinkException {
        try {
            MqttAsyncClient client = new MqttAsyncClient(serverUri, clientId, new MemoryPersistence());
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            options.setAutomaticReconnect(true);
            options.setAutomaticReconnectDelay(1, 10);
            options.setKeepAliveInterval(30);
            options.setConnectionTimeout((int) Math.max(1, ackTimeout.toSeconds()));
            client.connect(options).waitForCompletion(ackTimeout.toMillis());
            log.info("Uplink {} connected to {}", clientId, serverUri);
            return new MqttUplink(client, ackTimeout);
        } catch (MqttException e) {
            throw new UplinkException("could not connect to " + serverUri + " as " + clientId, e);
        }
    }

    private MqttUplink(MqttAsyncClient client, Duration ackTimeout) {
        this.client = client;
        this.ackTimeout = ackTimeout;
    }

    @Override
    public void send(TelemetryBatch batch) throws UplinkException {
        String topic = MqttTopics.telemetry(batch.getSiteId(), batch.getDeviceId());
        MqttMessage message = new MqttMessage(batch.toByteArray());
        message.setQos(1);
        try {
            IMqttToken token = client.publish(topic, message);
            token.waitForCompletion(ackTimeout.toMillis());
            int[] reasonCodes = token.getReasonCodes();
            if (reasonCodes != null && reasonCodes.length > 0 && reasonCodes[0] >= 0x80) {
                throw new UplinkException("batch " + batch.getSequence() + " refused with reason code 0x"
                        + Integer.toHexString(reasonCodes[0]) + reasonString(token));
            }
        } catch (MqttException e) {
            throw new UplinkException("batch " + batch.getSequence() + " not acknowledged: " + e.getMessage(), e);
        }
    }

    private static String reasonString(IMqttToken token) {
        if (token.getResponseProperties() == null || token.getResponseProperties().getReasonString() == null) {
            return "";
        }
        return " (" + token.getResponseProperties().getReasonString() + ")";
    }

    public boolean isConnected() {
        return client.isConnected();
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(ackTimeout.toMillis());
            }
            client.close();
        } catch (MqttException e) {
            log.debug("Uplink {} did not close cleanly", client.getClientId(), e);
        }
    }
}
