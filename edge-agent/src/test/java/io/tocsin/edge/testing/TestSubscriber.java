package io.tocsin.edge.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.SocketFactory;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;

/** A platform-side MQTT 5 client (Paho) that records what arrives on the topics it subscribed to. */
public final class TestSubscriber implements AutoCloseable {

    /** One message as received. */
    public record Received(String topic, byte[] payload, boolean retained) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private final MqttClient client;
    private final List<Received> received = new CopyOnWriteArrayList<>();

    public TestSubscriber(String uri, String user, String password, SocketFactory sockets) throws MqttException {
        client = new MqttClient(uri, "platform-" + System.nanoTime(), new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        if (user != null) {
            options.setUserName(user);
            options.setPassword(password.getBytes(StandardCharsets.UTF_8));
        }
        if (sockets != null) {
            options.setSocketFactory(sockets);
        }
        client.connect(options);
    }

    public TestSubscriber subscribe(String topicFilter) throws MqttException {
        // Paho 1.2.5's subscribe(String, int, listener) calls itself forever: the array form works.
        IMqttMessageListener listener = (topic, message) -> received.add(
                new Received(topic, message.getPayload(), message.isRetained()));
        client.subscribe(new MqttSubscription[] {new MqttSubscription(topicFilter, 1)},
                new IMqttMessageListener[] {listener});
        return this;
    }

    public void publish(String topic, byte[] payload, boolean retained) throws MqttException {
        MqttMessage message = new MqttMessage(payload);
        message.setQos(1);
        message.setRetained(retained);
        client.publish(topic, message);
    }

    public List<Received> on(String topic) {
        return received.stream().filter(r -> r.topic().equals(topic)).toList();
    }

    public Optional<Received> last(String topic) {
        List<Received> all = on(topic);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    @Override
    public void close() throws MqttException {
        if (client.isConnected()) {
            client.disconnect();
        }
        client.close();
    }
}
