package io.tocsin.ingest.support;

import io.netty.handler.codec.mqtt.MqttQoS;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A real Paho MQTT 5 client that records what it receives and how it was disconnected. */
public final class V5Client implements AutoCloseable, PahoSubscriber {

    public static final long TIMEOUT_MS = 5_000;
    private static final String PROBE_PREFIX = "test/probe/";

    private final MqttAsyncClient paho;
    private final IMqttToken connectToken;
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> probes = new LinkedBlockingQueue<>();
    private final AtomicReference<MqttDisconnectResponse> disconnected = new AtomicReference<>();
    private String probeTopic;
    private int probeCount;

    private V5Client(String uri, String clientId, Consumer<MqttConnectionOptions> adjust) throws MqttException {
        paho = new MqttAsyncClient(uri, clientId, new MemoryPersistence());
        paho.setCallback(new MqttCallback() {
            @Override
            public void disconnected(MqttDisconnectResponse response) {
                disconnected.set(response);
            }

            @Override
            public void mqttErrorOccurred(MqttException exception) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                if (topic.startsWith(PROBE_PREFIX)) {
                    probes.add(new String(message.getPayload(), StandardCharsets.UTF_8));
                } else {
                    received.add(new Received(topic, message.getPayload(), message.getQos(), message.isRetained(),
                            message.getProperties()));
                }
            }

            @Override
            public void deliveryComplete(IMqttToken token) {
            }

            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
            }

            @Override
            public void authPacketArrived(int reasonCode, MqttProperties properties) {
            }
        });
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setAutomaticReconnect(false);
        options.setKeepAliveInterval(30);
        options.setConnectionTimeout(5);
        adjust.accept(options);
        connectToken = paho.connect(options);
        connectToken.waitForCompletion(TIMEOUT_MS);
    }

    public static V5Client connect(String uri, String clientId) throws MqttException {
        return new V5Client(uri, clientId, options -> { });
    }

    public static V5Client connect(String uri, String clientId, Consumer<MqttConnectionOptions> adjust)
            throws MqttException {
        return new V5Client(uri, clientId, adjust);
    }

    public MqttAsyncClient paho() {
        return paho;
    }

    public IMqttToken connectToken() {
        return connectToken;
    }

    public boolean isConnected() {
        return paho.isConnected();
    }

    public IMqttToken publish(String topic, byte[] payload, int qos) throws MqttException {
        return paho.publish(topic, payload, qos, false);
    }

    /** Publishes and waits for the PUBACK (or the send, for QoS 0). */
    public IMqttToken publishAndWait(String topic, byte[] payload, int qos) throws MqttException {
        IMqttToken token = publish(topic, payload, qos);
        token.waitForCompletion(TIMEOUT_MS);
        return token;
    }

    public IMqttToken subscribe(String filter, int qos) throws MqttException {
        IMqttToken token = paho.subscribe(new MqttSubscription(filter, qos));
        token.waitForCompletion(TIMEOUT_MS);
        return token;
    }

    public IMqttToken unsubscribe(String filter) throws MqttException {
        IMqttToken token = paho.unsubscribe(filter);
        token.waitForCompletion(TIMEOUT_MS);
        return token;
    }

    /** The next message received (probes excluded); fails after a few seconds. */
    public Received awaitMessage() throws InterruptedException {
        Received message = received.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        assertThat(message).as("message received by %s", paho.getClientId()).isNotNull();
        return message;
    }

    /** Messages received and not taken yet. */
    public BlockingQueue<Received> received() {
        return received;
    }

    /**
     * Makes sure everything the server wrote to this client before now has been processed by Paho: the server
     * publishes a probe to this client and we wait for it. Packets on one connection arrive in order, so any
     * PUBACK the server sent before the probe has completed its token by then.
     */
    public void sync(TestServer server) throws MqttException, InterruptedException {
        if (probeTopic == null) {
            probeTopic = PROBE_PREFIX + paho.getClientId();
            subscribe(probeTopic, 0);
        }
        String probe = "probe-" + ++probeCount;
        assertThat(server.server.publish(probeTopic, probe.getBytes(StandardCharsets.UTF_8), MqttQoS.AT_MOST_ONCE))
                .isEqualTo(1);
        String arrived;
        do {
            arrived = probes.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            assertThat(arrived).as("probe %s", probe).isNotNull();
        } while (!arrived.equals(probe));
    }

    /** Waits until the server dropped this client; returns what Paho reported. */
    public MqttDisconnectResponse awaitDisconnected() {
        await().atMost(Duration.ofMillis(TIMEOUT_MS)).until(() -> disconnected.get() != null);
        return disconnected.get();
    }

    public MqttDisconnectResponse disconnected() {
        return disconnected.get();
    }

    @Override
    public void close() throws MqttException {
        try {
            if (paho.isConnected()) {
                paho.disconnect(TIMEOUT_MS).waitForCompletion(TIMEOUT_MS);
            }
        } catch (MqttException e) {
            // already gone
        } finally {
            paho.close(true);
        }
    }

    /** A message as received. */
    /** @param properties MQTT 5 properties as received; null for MQTT 3.1.1 */
    public record Received(String topic, byte[] payload, int qos, boolean retained, MqttProperties properties) {

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }
}
