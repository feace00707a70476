package io.tocsin.standalone.ingest;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.status.KafkaDeviceStatusWriter;
import io.tocsin.proto.v1.ConnectionState;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.StatusCause;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Device status events written while the Kafka broker is down are retried, and arrive in order per device once it is
 * back; past the writer's bound the oldest are dropped and counted.
 */
class StatusEventsAcrossKafkaRestartTest {

    private static final String STATUS = "status";
    /** Short, so that sends fail during the outage instead of waiting in the producer for two minutes. */
    private static final Map<String, Object> FAIL_FAST = Map.of(
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 4_000,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);

    @TempDir
    Path dataDir;

    @Test
    void eventsWrittenWhileKafkaIsDownArriveInOrderAfterItsRestartAndTheBoundDropsTheOldest() throws Exception {
        try (EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(dataDir, 0, 0).start()) {
            kafka.createTopics(Map.of(STATUS, 3));
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            SimpleMeterRegistry boundedMeters = new SimpleMeterRegistry();
            List<String> written = new ArrayList<>();
            try (KafkaDeviceStatusWriter writer = new KafkaDeviceStatusWriter(kafka.bootstrapServers(), STATUS,
                    KafkaDeviceStatusWriter.DEFAULT_MAX_PENDING, FAIL_FAST, meters);
                 KafkaDeviceStatusWriter bounded = new KafkaDeviceStatusWriter(kafka.bootstrapServers(), STATUS, 3,
                         FAIL_FAST, boundedMeters)) {
                // Ingest runs with Kafka before it restarts: each producer has its idempotent producer id. (A producer
                // that never reached the broker waits for that id and does not time out its sends meanwhile, so it
                // would hold its first events until Kafka is back rather than retry them.)
                writer.write(status("park-0", "gw-warm", ConnectionState.CONNECTION_STATE_ONLINE, 1));
                bounded.write(status("park-0", "gw-warm", ConnectionState.CONNECTION_STATE_ONLINE, 1));
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> meters.counter(KafkaDeviceStatusWriter.WRITTEN).count() == 1
                                && boundedMeters.counter(KafkaDeviceStatusWriter.WRITTEN).count() == 1);
                kafka.stop();
                long time = 1_000;
                for (int round = 0; round < 3; round++) {
                    for (String device : List.of("gw-a", "gw-b")) {
                        ConnectionState state = round % 2 == 0 ? ConnectionState.CONNECTION_STATE_ONLINE
                                : ConnectionState.CONNECTION_STATE_OFFLINE;
                        writer.write(status("park-1", device, state, ++time));
                        written.add("park-1/" + device + "@" + time);
                    }
                }
                for (int i = 1; i <= 5; i++) {
                    bounded.write(status("park-2", "gw-c", ConnectionState.CONNECTION_STATE_ONLINE, i));
                }
                // The sends failed and are being retried: without the retry these events would be lost now.
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> meters.counter(KafkaDeviceStatusWriter.RETRIED).count() >= 1
                                && boundedMeters.counter(KafkaDeviceStatusWriter.RETRIED).count() >= 1);
                assertThat(writer.pendingCount()).isPositive();
                kafka.start();

                Map<String, List<String>> byDevice = new LinkedHashMap<>();
                try (KafkaConsumer<String, byte[]> consumer = consumer(kafka)) {
                    await().atMost(Duration.ofSeconds(60)).until(() -> {
                        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                            DeviceStatus status = DeviceStatus.parseFrom(record.value());
                            byDevice.computeIfAbsent(record.key(), k -> new ArrayList<>())
                                    .add(record.key() + "@" + status.getEventTimeMs());
                        }
                        return byDevice.getOrDefault("park-1/gw-a", List.of()).size() >= 3
                                && byDevice.getOrDefault("park-1/gw-b", List.of()).size() >= 3
                                && byDevice.getOrDefault("park-2/gw-c", List.of()).contains("park-2/gw-c@5");
                    });
                }
                for (String device : List.of("park-1/gw-a", "park-1/gw-b")) {
                    assertThat(byDevice.get(device)).as("in order, each once").containsExactlyElementsOf(
                            written.stream().filter(event -> event.startsWith(device + "@")).toList());
                }
                // Five events, room for three: the oldest two went, the newest arrive in order.
                assertThat(byDevice.get("park-2/gw-c"))
                        .containsExactly("park-2/gw-c@3", "park-2/gw-c@4", "park-2/gw-c@5");
                assertThat(boundedMeters.counter(KafkaDeviceStatusWriter.DROPPED, "reason", "queue_full").count())
                        .isEqualTo(2);
                assertThat(meters.counter(KafkaDeviceStatusWriter.WRITTEN).count()).as("six and the warm-up")
                        .isEqualTo(7);
                assertThat(meters.counter(KafkaDeviceStatusWriter.DROPPED, "reason", "queue_full").count()).isZero();
                assertThat(writer.pendingCount()).isZero();
            }
        }
    }

    private static DeviceStatus status(String site, String device, ConnectionState state, long time) {
        return DeviceStatus.newBuilder().setClientId(site + "." + device).setSiteId(site).setDeviceId(device)
                .setState(state).setCause(state == ConnectionState.CONNECTION_STATE_ONLINE
                        ? StatusCause.STATUS_CAUSE_CONNECTED : StatusCause.STATUS_CAUSE_CONNECTION_LOST)
                .setEventTimeMs(time).setTransport("mqtt").build();
    }

    private static KafkaConsumer<String, byte[]> consumer(EmbeddedKafkaBroker kafka) {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-status-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName()));
        consumer.subscribe(List.of(STATUS));
        return consumer;
    }
}
