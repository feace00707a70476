package io.tocsin.edge.uplink;

import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.TelemetryBatch;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT 3.1.1 twin of {@link MqttUplink} (Eclipse Paho mqttv3), for brokers or platforms without MQTT 5:
 * same topics, QoS 1, TLS, credentials, status topic with a last will, reconnect and resubscribe.
 *
 * <p>MQTT 3.1.1 has no negative PUBACK: a platform that cannot take a batch closes the connection instead, which
 * fails the wait here; a PUBACK always means the batch was taken (or, if malformed, dropped for good).
 */
public final class Mqtt3Uplink implements MqttChannel {

    private static final Logger log = LoggerFactory.getLogger(Mqtt3Uplink.class);

    private final MqttAsyncClient client;
    private final Duration ackTimeout;
    private final Optional<String> statusTopic;
    private final Map<String, Consumer<byte[]>> subscriptions = new ConcurrentHashMap<>();

    private Mqtt3Uplink(MqttAsyncClient client, Duration ackTimeout, Optional<String> statusTopic) {
        this.client = client;
        this.ackTimeout = ackTimeout;
        this.statusTopic = statusTopic;
    }

    public static Mqtt3Uplink connect(String serverUri, String clientId, Duration ackTimeout,
                                      MqttUplink.Options options) throws UplinkException {
        try {
            MqttAsyncClient client = new MqttAsyncClient(serverUri, clientId, new MemoryPersistence());
            MqttConnectOptions connection = new MqttConnectOptions();
            connection.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            connection.setCleanSession(true);
            connection.setAutomaticReconnect(true);
            // Paho 3 starts reconnecting after 1 s and doubles up to this maximum; the agent's own back-off with
            // jitter (and the random first delay of MQTT 5) is what spreads a fleet.
            connection.setMaxReconnectDelay((int) Math.max(1_000, options.maxReconnectDelay().toMillis()
                    - ThreadLocalRandom.current().nextInt(1_000)));
            PahoConnectSettings settings = PahoConnectSettings.of(options, ackTimeout);
            connection.setKeepAliveInterval(settings.keepAliveSeconds());
            connection.setConnectionTimeout(settings.connectionTimeoutSeconds());
            connection.setSocketFactory(settings.socketFactory());
            // check the broker's name against its certificate (ssl:// only; Paho's default too)
            connection.setHttpsHostnameVerificationEnabled(true);
            options.username().ifPresent(connection::setUserName);
            options.password().ifPresent(connection::setPassword);
            options.statusTopic().ifPresent(topic ->
                    connection.setWill(topic, PahoConnectSettings.offline(), 1, true));
            Mqtt3Uplink uplink = new Mqtt3Uplink(client, ackTimeout, options.statusTopic());
            client.setCallback(uplink.new Callbacks());
            try {
                client.connect(connection).waitForCompletion(ackTimeout.toMillis());
            } catch (MqttException e) {
                client.close(true);
                throw e;
            }
            log.info("Uplink {} connected to {} (MQTT 3.1.1)", clientId, serverUri);
            uplink.statusTopic.ifPresent(topic -> uplink.publishQuietly(topic,
                    PahoConnectSettings.online(), true));
            return uplink;
        } catch (MqttException | GeneralSecurityException | IOException e) {
            throw new UplinkException("could not connect to " + serverUri + " as " + clientId + " (MQTT 3.1.1): "
                    + e.getMessage(), e);
        }
    }

    private final class Callbacks implements MqttCallbackExtended {
        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            if (!reconnect) {
                return;
            }
            log.info("Uplink {} reconnected to {}", client.getClientId(), serverUri);
            statusTopic.ifPresent(topic -> publishQuietly(topic, PahoConnectSettings.online(), true));
            subscriptions.keySet().forEach(topic -> {
                try {
                    client.subscribe(topic, 1);
                } catch (MqttException e) {
                    log.warn("Uplink {} could not subscribe again to {}: {}", client.getClientId(), topic, e.toString());
                }
            });
        }

        @Override
        public void connectionLost(Throwable cause) {
            log.warn("Uplink {} lost its connection: {}", client.getClientId(), String.valueOf(cause));
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            Consumer<byte[]> handler = subscriptions.get(topic);
            if (handler != null) {
                handler.accept(message.getPayload());
            }
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }
    }

    @Override
    public void send(TelemetryBatch batch) throws UplinkException {
        MqttMessage message = new MqttMessage(batch.toByteArray());
        message.setQos(1);
        try {
            client.publish(MqttTopics.telemetry(batch.getSiteId(), batch.getDeviceId()), message)
                    .waitForCompletion(ackTimeout.toMillis());
        } catch (MqttException e) {
            throw new UplinkException("batch " + batch.getSequence() + " not acknowledged: " + e.getMessage(), e);
        }
    }

    @Override
    public void subscribe(String topic, Consumer<byte[]> onMessage) throws UplinkException {
        subscriptions.put(topic, onMessage);
        try {
            client.subscribe(topic, 1).waitForCompletion(ackTimeout.toMillis());
        } catch (MqttException e) {
            throw new UplinkException("could not subscribe to " + topic + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void publish(String topic, byte[] payload, boolean retained) throws UplinkException {
        try {
            client.publish(topic, payload, 1, retained);
        } catch (MqttException e) {
            throw new UplinkException("could not publish on " + topic + ": " + e.getMessage(), e);
        }
    }

    private void publishQuietly(String topic, byte[] payload, boolean retained) {
        try {
            publish(topic, payload, retained);
        } catch (UplinkException e) {
            log.warn("Uplink {}: {}", client.getClientId(), e.getMessage());
        }
    }

    @Override
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
