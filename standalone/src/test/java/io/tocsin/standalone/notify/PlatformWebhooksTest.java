package io.tocsin.standalone.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.tocsin.ingest.notify.WebhookSignature;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.standalone.Platform;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole platform with a webhooks file: a gas reading over its threshold reaches the covering station's URL. */
class PlatformWebhooksTest {

    private static final String SECRET = "enterprise-017-station-09-secret";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    @Test
    void aBrokenWebhooksFileStopsTheStartNamingFileKeyAndFix() throws Exception {
        Path file = dataDir.resolve("webhooks.yaml");
        Files.writeString(file, """
                stations:
                  station-09:
                    url: https://sms.example.org/hook
                    secret-env: TOCSIN_TEST_VARIABLE_THAT_IS_NOT_SET
                """);

        assertThatThrownBy(() -> Platform.start(Platform.Settings.defaults(dataDir.resolve("data"))
                .withPorts(Platform.Ports.ephemeral()).withWebhooks(file)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("line 4: key stations.station-09.secret-env")
                .hasMessageContaining("fix:");
        assertThat(dataDir.resolve("data").resolve("kafka")).as("nothing was started").doesNotExist();
    }

    @Test
    void anAlarmOfTheJobReachesTheCoveringStationsWebhook() throws Exception {
        List<JsonNode> received = new CopyOnWriteArrayList<>();
        List<Boolean> signed = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/station-09", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            signed.add(WebhookSignature.verify(SECRET.getBytes(StandardCharsets.UTF_8),
                    exchange.getRequestHeaders().getFirst(WebhookSignature.HEADER), body, Instant.now(),
                    WebhookSignature.DEFAULT_TOLERANCE));
            received.add(JSON.readTree(body));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        Path file = dataDir.resolve("webhooks.yaml");
        Files.writeString(file, """
                stations:
                  station-09:
                    url: http://127.0.0.1:%d/station-09
                    secret: "%s"
                """.formatted(receiver.getAddress().getPort(), SECRET));

        try (Platform platform = Platform.start(Platform.Settings.defaults(dataDir.resolve("data"))
                .withPorts(Platform.Ports.ephemeral()).withWebhooks(file))) {
            long t = Instant.now().toEpochMilli();
            try (KafkaProducer<String, byte[]> producer = producer(platform)) {
                send(producer, batch(1, t, 3.0));
                send(producer, batch(2, t + 1_000, 31.5));
            }

            await().atMost(Duration.ofSeconds(90)).until(() -> received.stream().anyMatch(this::isTheRaisedAlarm));
        } finally {
            receiver.stop(0);
        }
        assertThat(signed).containsOnly(true);
        JsonNode raised = received.stream().filter(this::isTheRaisedAlarm).findFirst().orElseThrow();
        assertThat(raised.get("station_id").asText()).isEqualTo("station-09");
        assertThat(raised.get("severity").asText()).isEqualTo("orange");
        assertThat(raised.get("value").asDouble()).isEqualTo(31.5);
        assertThat(received.stream().filter(this::isTheRaisedAlarm)).hasSize(1);
    }

    private boolean isTheRaisedAlarm(JsonNode body) {
        return body.get("alarm_id").asText().equals("enterprise-017/gas-05/gas-high-1/1")
                && body.get("state").asText().equals("active_unacknowledged")
                && body.get("escalation_level").asInt() == 0;
    }

    private static TelemetryBatch batch(long sequence, long t, double value) {
        return TelemetryBatch.newBuilder().setSiteId("enterprise-017").setDeviceId("gw-1").setSequence(sequence)
                .addReadings(Reading.newBuilder().setSensorId("gas-05").setTimestampMs(t).setValue(value)
                        .setQuality(Quality.QUALITY_GOOD))
                .build();
    }

    private static KafkaProducer<String, byte[]> producer(Platform platform) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafka().bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<String, byte[]> producer, TelemetryBatch batch) throws Exception {
        producer.send(new ProducerRecord<>(Platform.Topics.standard().telemetry(),
                batch.getSiteId() + "/" + batch.getDeviceId(), batch.toByteArray())).get();
    }
}
