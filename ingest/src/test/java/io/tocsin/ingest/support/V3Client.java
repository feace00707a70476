package io.tocsin.ingest.support;

import io.netty.handler.codec.mqtt.MqttQoS;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A real Paho MQTT 3.1.1 client that records what it receives and whether the server dropped it. */
public final class V3Client implements AutoCloseable, PahoSubscriber {

    public static final long TIMEOUT_MS = 5_000;
    private static final String PROBE_PREFIX = "test/probe/";

    private final MqttAsyncClient paho;
    private final BlockingQueue<V5Client.Received> received = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> probes = new LinkedBlockingQueue<>();
    private final AtomicReference<Throwable> connectionLost = new AtomicReference<>();
    private String probeTopic;
    private int probeCount;

    private V3Client(String uri, String clientId, Consumer<MqttConnectOptions> adjust) throws MqttException {
        paho = new MqttAsyncClient(uri, clientId, new MemoryPersistence());
        paho.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
                connectionLost.set(cause);
            }

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                if (topic.startsWith(PROBE_PREFIX)) {
                    probes.add(new String(message.getPayload(), StandardCharsets.UTF_8));
                } else {
                    received.add(new V5Client.Received(topic, message.getPayload(), message.getQos(),
                            message.isRetained(), null));
                }
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {
            }
        });
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setCleanSession(true);
        options.setAutomaticReconnect(false);
        options.setKeepAliveInterval(30);
        options.setConnectionTimeout(5);
        adjust.accept(options);
        paho.connect(options).waitForCompletion(TIMEOUT_MS);
    }

    public static V3Client connect(String uri, String clientId) throws MqttException {
        return new V3Client(uri, clientId, options -> { });
    }

    public static V3Client connect(String uri, String clientId, Consumer<MqttConnectOptions> adjust)
            throws MqttException {
        return new V3Client(uri, clientId, adjust);
    }

    public MqttAsyncClient paho() {
        return paho;
    }

    public boolean isConnected() {
        return paho.isConnected();
    }

    public IMqttDeliveryToken publish(String topic, byte[] payload, int qos) throws MqttException {
        return paho.publish(topic, payload, qos, false);
    }

    public IMqttDeliveryToken publishAndWait(String topic, byte[] payload, int qos) throws MqttException {
        IMqttDeliveryToken token = publish(topic, payload, qos);
        token.waitForCompletion(TIMEOUT_MS);
        return token;
    }

    public IMqttToken subscribe(String filter, int qos) throws MqttException {
        IMqttToken token = paho.subscribe(filter, qos);
        token.waitForCompletion(TIMEOUT_MS);
        return token;
    }

    public V5Client.Received awaitMessage() throws InterruptedException {
        V5Client.Received message = received.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        assertThat(message).as("message received by %s", paho.getClientId()).isNotNull();
        return message;
    }

    public BlockingQueue<V5Client.Received> received() {
        return received;
    }

    /** See {@link V5Client#sync}. */
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

    /** Waits until the server dropped this client; returns the cause Paho reported. */
    public Throwable awaitConnectionLost() {
        await().atMost(Duration.ofMillis(TIMEOUT_MS)).until(() -> connectionLost.get() != null);
        return connectionLost.get();
    }

    public Throwable connectionLost() {
        return connectionLost.get();
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
}
