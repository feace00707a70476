package io.tocsin.standalone.cluster;

import io.tocsin.standalone.demo.MessageArrivedCallback;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * Messages between clients across the ingest nodes: a console on node 1 publishes QoS 1 messages, 10 a second, to a
 * siren subscribed on node 2 (time from the publish to the arrival, and any missing), then a retained configuration
 * message that a client subscribing on node 2 afterwards must get.
 */
final class CrossNodeMessages {

    /** What the probe found. */
    record Result(int sent, int missing, long[] sortedLatencyMs, boolean retainedArrived) {
    }

    private CrossNodeMessages() {
    }

    static Result probe(String node1, String node2, int messages) throws MqttException, InterruptedException {
        Map<Integer, Long> arrivals = new ConcurrentHashMap<>();
        CountDownLatch all = new CountDownLatch(messages);
        MqttAsyncClient siren = client(node2, "cluster-check-siren");
        MqttAsyncClient console = client(node1, "cluster-check-console");
        MqttAsyncClient gateway = null;
        try {
            siren.setCallback(new MessageArrivedCallback((topic, message) -> {
                int index = ByteBuffer.wrap(message.getPayload()).getInt();
                if (arrivals.putIfAbsent(index, System.nanoTime()) == null) {
                    all.countDown();
                }
            }));
            siren.subscribe("sirens/cluster-check/#", 1).waitForCompletion(15_000);
            long[] sentAt = new long[messages];
            for (int i = 0; i < messages; i++) {
                MqttMessage message = new MqttMessage(ByteBuffer.allocate(4).putInt(i).array());
                message.setQos(1);
                sentAt[i] = System.nanoTime();
                console.publish("sirens/cluster-check/horn-1", message).waitForCompletion(30_000);
                Thread.sleep(100); // 10 a second: a probe, not a load
            }
            all.await(30, TimeUnit.SECONDS);
            List<Long> latencies = new ArrayList<>();
            for (int i = 0; i < messages; i++) {
                Long arrived = arrivals.get(i);
                if (arrived != null) {
                    latencies.add(TimeUnit.NANOSECONDS.toMillis(arrived - sentAt[i]));
                }
            }

            MqttMessage config = new MqttMessage("config v2".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            config.setQos(1);
            config.setRetained(true);
            console.publish("tocsin/v1/config/cluster-check/gw-1", config).waitForCompletion(30_000);
            CountDownLatch retained = new CountDownLatch(1);
            gateway = client(node2, "cluster-check-gateway");
            gateway.setCallback(new MessageArrivedCallback((topic, message) -> {
                if (message.isRetained()) {
                    retained.countDown();
                }
            }));
            // Node 2 keeps the retained message once it has read it from Kafka: ask until it has (bounded).
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            boolean arrived = false;
            while (!arrived && System.nanoTime() < deadline) {
                gateway.subscribe("tocsin/v1/config/cluster-check/gw-1", 1).waitForCompletion(15_000);
                arrived = retained.await(1, TimeUnit.SECONDS);
                gateway.unsubscribe("tocsin/v1/config/cluster-check/gw-1").waitForCompletion(15_000);
            }
            // Leave no retained message behind: an empty one removes it on every node.
            MqttMessage remove = new MqttMessage(new byte[0]);
            remove.setQos(1);
            remove.setRetained(true);
            console.publish("tocsin/v1/config/cluster-check/gw-1", remove).waitForCompletion(30_000);
            return new Result(messages, messages - latencies.size(), Throughput.sorted(latencies), arrived);
        } finally {
            close(siren);
            close(console);
            if (gateway != null) {
                close(gateway);
            }
        }
    }

    private static MqttAsyncClient client(String uri, String clientId) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(uri, clientId, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        client.connect(options).waitForCompletion(15_000);
        return client;
    }

    private static void close(MqttAsyncClient client) {
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
            client.close(true);
        } catch (MqttException e) {
            // the probe is over
        }
    }
}
