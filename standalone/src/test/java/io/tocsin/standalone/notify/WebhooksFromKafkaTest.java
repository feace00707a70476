package io.tocsin.standalone.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.notify.RetryPolicy;
import io.tocsin.ingest.notify.WebhookAlarmConsumer;
import io.tocsin.ingest.notify.WebhookNotifier;
import io.tocsin.ingest.notify.WebhookSettings;
import io.tocsin.ingest.notify.WebhookSignature;
import io.tocsin.ingest.notify.WebhookTarget;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;
import io.tocsin.proto.v1.Severity;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alarm events on a real Kafka alarms topic reach a station's webhook once each: duplicated records (a Flink
 * restore re-emitting events) are not sent again, nor is anything sent again when the notifier restarts and its
 * consumer group resumes.
 */
class WebhooksFromKafkaTest {

    private static final String TOPIC = "alarms";
    private static final byte[] SECRET = "station-07-webhook-secret-0123456789".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dataDir;

    private EmbeddedKafkaBroker kafka;
    private HttpServer receiver;
    private final List<String> deliveryIds = new CopyOnWriteArrayList<>();
    private final List<Boolean> signaturesValid = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        kafka = new EmbeddedKafkaBroker(dataDir.resolve("kafka"), 0, 0).start();
        kafka.createTopics(Map.of(TOPIC, 2));
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/station-07", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            signaturesValid.add(WebhookSignature.verify(SECRET,
                    exchange.getRequestHeaders().getFirst(WebhookSignature.HEADER), body, Instant.now(),
                    WebhookSignature.DEFAULT_TOLERANCE));
            deliveryIds.add(exchange.getRequestHeaders().getFirst(WebhookSignature.DELIVERY_ID_HEADER));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stop() {
        receiver.stop(0);
        kafka.close();
    }

    @Test
    void eachAlarmEventReachesTheStationOnceAcrossDuplicatesAndRestarts() throws Exception {
        AlarmEvent raised = event("park-1/gas-01/gas-high-1/1", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 0);
        AlarmEvent escalated = event("park-1/gas-01/gas-high-1/1", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 1);
        AlarmEvent acknowledged = event("park-1/gas-01/gas-high-1/1", AlarmState.ALARM_STATE_ACTIVE_ACKNOWLEDGED, 0);
        AlarmEvent otherSite = event("park-2/smoke-3/smoke/4", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 0);

        try (KafkaProducer<String, byte[]> producer = producer()) {
            try (Notifications first = new Notifications()) {
                for (AlarmEvent e : List.of(raised, raised, escalated, otherSite, acknowledged, escalated)) {
                    send(producer, e);
                }
                await().atMost(Duration.ofSeconds(90)).until(() -> deliveryIds.size() >= 4);
                // A record that is not an alarm event is skipped, and what follows it is still delivered.
                producer.send(new ProducerRecord<>(TOPIC, "park-1", new byte[] {(byte) 0xff, 1, 2})).get();
                send(producer, event("park-1/gas-02/gas-high-1/1", AlarmState.ALARM_STATE_NORMAL, 0));
                await().atMost(Duration.ofSeconds(90)).until(() -> deliveryIds.size() >= 5);
                await().atMost(Duration.ofSeconds(90))
                        .until(() -> first.meters.counter(WebhookAlarmConsumer.BAD).count() == 1);
            }

            // After a restart on the same consumer group and state: a replay of everything, then one new event.
            try (Notifications second = new Notifications()) {
                for (AlarmEvent e : List.of(raised, escalated, otherSite, acknowledged)) {
                    send(producer, e);
                }
                AlarmEvent returned = event("park-1/gas-01/gas-high-1/1",
                        AlarmState.ALARM_STATE_RETURNED_UNACKNOWLEDGED, 0);
                send(producer, returned);
                await().atMost(Duration.ofSeconds(90)).until(() -> deliveryIds.size() >= 6);
                await().atMost(Duration.ofSeconds(90))
                        .until(() -> second.meters.counter(WebhookNotifier.DUPLICATES).count() == 4);
            }
        }

        assertThat(deliveryIds).doesNotHaveDuplicates().hasSize(6).containsExactlyInAnyOrder(
                "station-07|park-1/gas-01/gas-high-1/1|1795946400000|ALARM_STATE_ACTIVE_UNACKNOWLEDGED|0",
                "station-07|park-1/gas-01/gas-high-1/1|1795946400000|ALARM_STATE_ACTIVE_UNACKNOWLEDGED|1",
                "station-07|park-1/gas-01/gas-high-1/1|1795946400000|ALARM_STATE_ACTIVE_ACKNOWLEDGED|0",
                "station-07|park-2/smoke-3/smoke/4|1795946400000|ALARM_STATE_ACTIVE_UNACKNOWLEDGED|0",
                "station-07|park-1/gas-02/gas-high-1/1|1795946400000|ALARM_STATE_NORMAL|0",
                "station-07|park-1/gas-01/gas-high-1/1|1795946400000|ALARM_STATE_RETURNED_UNACKNOWLEDGED|0");
        // Per site (one Kafka partition each) the station got the events in the order they were produced.
        assertThat(deliveryIds.stream().filter(id -> id.contains("park-1/gas-01")).toList()).containsExactly(
                "station-07|park-1/gas-01/gas-high-1/1|1795946400000|ALARM_STATE_ACTIVE_UNACKNOWLEDGED|0",
                "station-07|park-1/gas-01/gas-high-1/1|1795946400000|ALARM_STATE_ACTIVE_UNACKNOWLEDGED|1",
                "station-07|park-1/gas-01/gas-high-1/1|1795946400000|ALARM_STATE_ACTIVE_ACKNOWLEDGED|0",
                "station-07|park-1/gas-01/gas-high-1/1|1795946400000|ALARM_STATE_RETURNED_UNACKNOWLEDGED|0");
        assertThat(signaturesValid).containsOnly(true);
    }

    /** A notifier and its consumer, as one ingest node runs them. */
    private final class Notifications implements AutoCloseable {
        final SimpleMeterRegistry meters = new SimpleMeterRegistry();
        final WebhookNotifier notifier;
        final WebhookAlarmConsumer consumer;

        Notifications() throws Exception {
            URI url = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/station-07");
            WebhookSettings settings = new WebhookSettings(
                    Map.of("station-07", new WebhookTarget("station-07", url, SECRET, WebhookTarget.BodyFormat.JSON)),
                    RetryPolicy.DEFAULT, dataDir.resolve("webhooks"), 1000);
            notifier = new WebhookNotifier(settings, meters);
            consumer = new WebhookAlarmConsumer(kafka.bootstrapServers(), TOPIC, WebhookAlarmConsumer.DEFAULT_GROUP_ID,
                    notifier, meters, Map.of()).start();
        }

        @Override
        public void close() {
            consumer.close();
            notifier.close();
        }
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<String, byte[]> producer, AlarmEvent event) throws Exception {
        producer.send(new ProducerRecord<>(TOPIC, event.getSiteId(), event.toByteArray())).get();
    }

    private static AlarmEvent event(String alarmId, AlarmState state, int escalationLevel) {
        String[] parts = alarmId.split("/");
        return AlarmEvent.newBuilder().setAlarmId(alarmId).setSiteId(parts[0]).setSensorId(parts[1])
                .setRuleId(parts[2]).setSeverity(Severity.SEVERITY_ORANGE).setState(state).setValue(30)
                .setThreshold(25).setRaisedAtMs(1_795_946_400_000L).setEventTimeMs(1_795_946_400_000L)
                .addStationIds("station-07").setEscalationLevel(escalationLevel).build();
    }
}
