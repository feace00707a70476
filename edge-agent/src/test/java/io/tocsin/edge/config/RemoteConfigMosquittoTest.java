package io.tocsin.edge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tocsin.edge.ConfiguredAgent;
import io.tocsin.edge.testing.MosquittoBroker;
import io.tocsin.edge.testing.TestSubscriber;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Remote configuration through a real Mosquitto broker: the platform publishes a retained configuration on
 * {@code tocsin/v1/config/park-1/gw-1}; the running agent (wired exactly as {@code EdgeAgentMain} wires it)
 * applies a valid one without a restart and refuses an invalid one, keeping the old, and reports either on
 * {@code tocsin/v1/status/park-1/gw-1/config}. Its Prometheus endpoint shows the work.
 */
class RemoteConfigMosquittoTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONFIG = RemoteConfigReceiver.configTopic("park-1", "gw-1");
    private static final String REPORT = RemoteConfigReceiver.reportTopic("park-1", "gw-1");
    private static final String TELEMETRY = MqttTopics.telemetry("park-1", "gw-1");

    @TempDir
    Path dir;

    private String config(String version, String uri, String driverType, String sensor) {
        return """
                version: "%s"
                site: park-1
                device: gw-1
                poll-interval: 100ms
                buffer:
                  file: %s
                uplink:
                  uri: %s
                  ack-timeout: 5s
                metrics:
                  port: 0
                drivers:
                  - type: %s
                    sensors:
                      - id: %s
                        baseline: 1
                        noise: 0
                """.formatted(version, dir.resolve("buffer.db"), uri, driverType, sensor);
    }

    private static JsonNode report(TestSubscriber platform) throws IOException {
        return JSON.readTree(platform.last(REPORT).orElseThrow().payload());
    }

    private static boolean reported(TestSubscriber platform, String result, String version) {
        return platform.last(REPORT).map(m -> {
            try {
                JsonNode r = JSON.readTree(m.payload());
                return r.path("result").asText().equals(result) && r.path("version").asText().equals(version);
            } catch (IOException e) {
                return false;
            }
        }).orElse(false);
    }

    private static List<String> sensorsSince(TestSubscriber platform, int fromMessage) {
        List<TestSubscriber.Received> all = platform.on(TELEMETRY);
        return all.subList(Math.min(fromMessage, all.size()), all.size()).stream().flatMap(m -> {
            try {
                return TelemetryBatch.parseFrom(m.payload()).getReadingsList().stream();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).map(Reading::getSensorId).distinct().toList();
    }

    @Test
    void aValidPushIsAppliedWithoutRestartAndAnInvalidOneIsRefusedWithItsReason() throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start(dir.resolve("broker"), MosquittoBroker.Settings.plain());
             TestSubscriber platform = new TestSubscriber(broker.tcpUri(), null, null, null)) {
            platform.subscribe(TELEMETRY).subscribe(REPORT);
            Path file = dir.resolve("agent.yaml");
            Files.writeString(file, config("v1", broker.tcpUri(), "simulator", "gas-01"));
            try (ConfiguredAgent gateway = ConfiguredAgent.start(AgentConfigReader.read(file), file)) {
                await().atMost(Duration.ofSeconds(15)).until(() -> reported(platform, "running", "v1"));
                await().atMost(Duration.ofSeconds(10)).until(() -> sensorsSince(platform, 0).contains("gas-01"));

                platform.publish(CONFIG, config("v2", broker.tcpUri(), "simulator", "gas-07")
                        .getBytes(StandardCharsets.UTF_8), true);

                await().atMost(Duration.ofSeconds(10)).until(() -> reported(platform, "applied", "v2"));
                assertThat(report(platform).path("running").asText()).isEqualTo("v2");
                assertThat(gateway.runningConfig().orElseThrow().version()).isEqualTo("v2");
                int afterV2 = platform.on(TELEMETRY).size();
                await().atMost(Duration.ofSeconds(10)).until(() -> sensorsSince(platform, afterV2 + 1).size() > 0);
                assertThat(sensorsSince(platform, afterV2 + 1)).containsOnly("gas-07");

                platform.publish(CONFIG, config("v3", broker.tcpUri(), "modbus-tcpp", "gas-09")
                        .getBytes(StandardCharsets.UTF_8), true);

                await().atMost(Duration.ofSeconds(10)).until(() -> reported(platform, "refused", "v3"));
                JsonNode refused = report(platform);
                assertThat(refused.path("running").asText()).isEqualTo("v2");
                assertThat(refused.path("reason").asText()).contains("drivers[0].type")
                        .contains("unknown driver type 'modbus-tcpp'").contains("Fix:");
                int afterV3 = platform.on(TELEMETRY).size();
                await().atMost(Duration.ofSeconds(10)).until(() -> sensorsSince(platform, afterV3).size() > 0);
                assertThat(sensorsSince(platform, afterV3)).as("the old configuration keeps running")
                        .containsOnly("gas-07");

                platform.publish(CONFIG, config("v4", "tcp://127.0.0.1:1", "simulator", "gas-07")
                        .getBytes(StandardCharsets.UTF_8), true);

                await().atMost(Duration.ofSeconds(10)).until(() -> reported(platform, "refused", "v4"));
                assertThat(report(platform).path("reason").asText()).contains("uplink cannot change without a restart");
                assertThat(gateway.runningConfig().orElseThrow().version()).isEqualTo("v2");

                int port = gateway.metrics().orElseThrow().port();
                HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(scrape.statusCode()).isEqualTo(200);
                assertThat(scrape.body()).contains("tocsin_edge_readings_polled_total{device=\"gw-1\"}")
                        .contains("tocsin_edge_readings_sent_total").contains("tocsin_edge_buffer_batches")
                        .contains("tocsin_edge_buffer_dropped_readings");
            }
        }
    }
}
