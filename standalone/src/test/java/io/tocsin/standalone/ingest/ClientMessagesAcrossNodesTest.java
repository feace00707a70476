package io.tocsin.standalone.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.IngestConfig;
import io.tocsin.ingest.IngestServer;
import io.tocsin.ingest.cluster.KafkaClientMessageRelay;
import io.tocsin.ingest.telemetry.TelemetryWriter;
import io.tocsin.standalone.demo.MessageArrivedCallback;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several ingest nodes behind one balancer: a message a client publishes to others on one node reaches subscribers
 * on the other node once, with its MQTT 5 properties; a retained message is there for a later subscriber on the
 * other node and for a node started later; its removal too; and when Kafka is gone a QoS 1 publish gets PUBACK
 * 0x80 (the other nodes did not get it) while the node's own subscribers still do.
 * Real parts: an embedded KRaft broker with the two relay topics, ingest servers with
 * {@link KafkaClientMessageRelay}, real Paho MQTT 5 clients.
 */
class ClientMessagesAcrossNodesTest {

    private static final KafkaClientMessageRelay.Topics TOPICS = KafkaClientMessageRelay.Topics.standard();

    @TempDir
    Path dataDir;

    private final List<AutoCloseable> open = new ArrayList<>();

    private record Received(String topic, String text, boolean retained, List<UserProperty> userProperties,
                            String contentType) {
    }

    /** An ingest node as {@code tocsin ingest} starts one: the relay first, the retained messages loaded, then MQTT. */
    private IngestServer node(EmbeddedKafkaBroker kafka, Duration deliveryTimeout) throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TelemetryWriter noTelemetry = (device, payload) -> CompletableFuture.completedFuture(null);
        KafkaClientMessageRelay relay = new KafkaClientMessageRelay(kafka.bootstrapServers(), TOPICS,
                deliveryTimeout, meters);
        open.add(relay);
        IngestServer server = IngestServer.builder(IngestConfig.defaults().withBindHost("127.0.0.1").withPort(0),
                noTelemetry, meters).otherNodes(relay).build();
        assertThat(relay.start(server.subscriptions(), server.retainedMessages())
                .awaitRetainedLoaded(Duration.ofSeconds(60))).isTrue();
        open.add(0, server.start()); // closed before its relay
        return server;
    }

    private MqttAsyncClient client(IngestServer node, String clientId, List<Received> into) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient("tcp://127.0.0.1:" + node.port(), clientId,
                new MemoryPersistence());
        client.setCallback(new MessageArrivedCallback((topic, message) -> into.add(new Received(topic,
                new String(message.getPayload(), StandardCharsets.UTF_8), message.isRetained(),
                message.getProperties().getUserProperties(), message.getProperties().getContentType()))));
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        client.connect(options).waitForCompletion(10_000);
        open.add(0, () -> {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
            client.close();
        });
        return client;
    }

    private static IMqttToken publish(MqttAsyncClient client, String topic, String text, boolean retain,
                                      MqttProperties properties) throws MqttException {
        MqttMessage message = new MqttMessage(text.getBytes(StandardCharsets.UTF_8));
        message.setQos(1);
        message.setRetained(retain);
        message.setProperties(properties);
        IMqttToken token = client.publish(topic, message);
        token.waitForCompletion(60_000);
        return token;
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable part : open) {
            part.close();
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES) // a safety net: every wait inside is bounded
    void messagesAndRetainedMessagesReachTheOtherNodesAndANodeStartedLater() throws Exception {
        try (EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(dataDir, 0, 0).start()) {
            kafka.createTopics(Map.of(TOPICS.messages(), 2), KafkaClientMessageRelay.MESSAGES_TOPIC_CONFIG);
            kafka.createCompactedTopics(Map.of(TOPICS.retained(), 2));
            IngestServer a = node(kafka, Duration.ofSeconds(30));
            IngestServer b = node(kafka, Duration.ofSeconds(30));
            List<Received> onA = new CopyOnWriteArrayList<>();
            List<Received> onB = new CopyOnWriteArrayList<>();
            client(a, "siren-a", onA).subscribe("sirens/#", 1).waitForCompletion(10_000);
            client(b, "siren-b", onB).subscribe("sirens/#", 1).waitForCompletion(10_000);
            MqttAsyncClient consoleOnA = client(a, "console", new CopyOnWriteArrayList<>());

            MqttProperties properties = new MqttProperties();
            properties.setUserProperties(List.of(new UserProperty("station", "7")));
            properties.setContentType("text/plain");
            assertThat(publish(consoleOnA, "sirens/park-1/horn-2", "sound", false, properties).getReasonCodes())
                    .containsExactly(0x00);
            await().atMost(Duration.ofSeconds(30)).until(() -> !onB.isEmpty());
            Received there = onB.get(0);
            assertThat(there.topic()).isEqualTo("sirens/park-1/horn-2");
            assertThat(there.text()).isEqualTo("sound");
            assertThat(there.retained()).isFalse();
            assertThat(there.userProperties()).containsExactly(new UserProperty("station", "7"));
            assertThat(there.contentType()).isEqualTo("text/plain");

            // A message from B on the same topic (same Kafka partition, behind A's own record): once A's
            // subscriber has it, A's relay has passed its own record, and must not have delivered it again.
            MqttAsyncClient consoleOnB = client(b, "console-b", new CopyOnWriteArrayList<>());
            publish(consoleOnB, "sirens/park-1/horn-2", "silence", false, new MqttProperties());
            await().atMost(Duration.ofSeconds(30)).until(() -> onA.size() >= 2 && onB.size() >= 2);
            assertThat(onA).extracting(Received::text).containsExactly("sound", "silence");
            assertThat(onB).extracting(Received::text).containsExactly("sound", "silence");

            // Retained on A: a later subscriber on B has it, and so has a node started afterwards, before any client.
            publish(consoleOnA, "tocsin/v1/config/park-1/gw-1", "config v2", true, new MqttProperties());
            await().atMost(Duration.ofSeconds(30)).until(() -> b.retainedMessages().size() == 1);
            List<Received> laterOnB = new CopyOnWriteArrayList<>();
            client(b, "gw-1", laterOnB).subscribe("tocsin/v1/config/park-1/gw-1", 1).waitForCompletion(10_000);
            await().atMost(Duration.ofSeconds(30)).until(() -> !laterOnB.isEmpty());
            assertThat(laterOnB.get(0).text()).isEqualTo("config v2");
            assertThat(laterOnB.get(0).retained()).isTrue();

            IngestServer c = node(kafka, Duration.ofSeconds(30));
            assertThat(c.retainedMessages().size()).as("loaded before the node accepted clients").isEqualTo(1);
            List<Received> onC = new CopyOnWriteArrayList<>();
            client(c, "gw-1-again", onC).subscribe("tocsin/v1/config/park-1/#", 1).waitForCompletion(10_000);
            await().atMost(Duration.ofSeconds(30)).until(() -> !onC.isEmpty());
            assertThat(onC.get(0).text()).isEqualTo("config v2");
            assertThat(onC.get(0).retained()).isTrue();

            // Removed on B (an empty retained message): removed on every node.
            publish(consoleOnB, "tocsin/v1/config/park-1/gw-1", "", true, new MqttProperties());
            await().atMost(Duration.ofSeconds(30)).until(() -> a.retainedMessages().size() == 0
                    && b.retainedMessages().size() == 0 && c.retainedMessages().size() == 0);
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void withoutKafkaTheNodesOwnSubscribersGetItAndThePublisherIsToldToSendAgain() throws Exception {
        EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(dataDir, 0, 0).start();
        List<Received> local = new CopyOnWriteArrayList<>();
        MqttAsyncClient console;
        try (kafka) {
            kafka.createTopics(Map.of(TOPICS.messages(), 1), KafkaClientMessageRelay.MESSAGES_TOPIC_CONFIG);
            kafka.createCompactedTopics(Map.of(TOPICS.retained(), 1));
            IngestServer a = node(kafka, Duration.ofSeconds(3));
            client(a, "siren", local).subscribe("sirens/#", 1).waitForCompletion(10_000);
            console = client(a, "console", new CopyOnWriteArrayList<>());
            assertThat(publish(console, "sirens/park-1/horn-2", "before", false, new MqttProperties())
                    .getReasonCodes()).containsExactly(0x00);
        } // the broker stops

        IMqttToken token = publish(console, "sirens/park-1/horn-2", "during", false, new MqttProperties());

        assertThat(token.getReasonCodes()).as("PUBACK 0x80: send it again").containsExactly(0x80);
        await().atMost(Duration.ofSeconds(10)).until(() -> local.size() == 2);
        assertThat(local).extracting(Received::text).containsExactly("before", "during");
    }
}
