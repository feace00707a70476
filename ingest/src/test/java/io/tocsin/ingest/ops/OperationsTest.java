package io.tocsin.ingest.ops;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tocsin.ingest.IngestConfig;
import io.tocsin.ingest.IngestServer;
import io.tocsin.ingest.support.Batches;
import io.tocsin.ingest.support.RecordingTelemetryWriter;
import io.tocsin.ingest.support.RecordingTelemetryWriter.Append;
import io.tocsin.ingest.support.V5Client;
import io.tocsin.proto.MqttTopics;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** /health, /metrics over real HTTP, and the graceful shutdown that finishes in-flight acknowledgements. */
class OperationsTest {

    private final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RecordingTelemetryWriter writer = new RecordingTelemetryWriter();
    private final HttpClient http = HttpClient.newHttpClient();
    private IngestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void healthAndPrometheusMetrics() throws Exception {
        server = start();
        writer.completeImmediately();
        try (V5Client device = V5Client.connect(uri(), "gw-ops")) {
            device.publishAndWait(MqttTopics.telemetry("park-north", "gw-ops"), Batches.bytes("park-north", "gw-ops", 1),
                    1);
            HttpResponse<String> health = get("/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"UP\"").contains("\"mqttClients\":1");

            HttpResponse<String> metrics = get("/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains("tocsin_ingest_publish_accepted_total 1.0")
                    .contains("tocsin_ingest_clients_connected 1.0")
                    .contains("tocsin_ingest_telemetry_write_seconds_count 1");
        }
    }

    @Test
    void shutdownStopsAcceptingFinishesInFlightAcksThenCloses() throws Exception {
        server = start();
        int port = server.port();
        try (V5Client device = V5Client.connect(uri(), "gw-drain")) {
            IMqttToken token = device.publish(MqttTopics.telemetry("park-north", "gw-drain"),
                    Batches.bytes("park-north", "gw-drain", 1), 1);
            Append append = writer.awaitAppend(0);

            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
            await().untilAsserted(() -> assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
                    .isInstanceOf(ConnectException.class));
            assertThat(closing).as("closed before the in-flight publish was answered").isNotDone();

            append.succeed();
            token.waitForCompletion(V5Client.TIMEOUT_MS);
            assertThat(token.getReasonCodes()).containsExactly(0x00);
            closing.get();
            assertThat(device.awaitDisconnected().getReturnCode()).isEqualTo(0x8B);
        }
    }

    private IngestServer start() {
        return IngestServer.builder(IngestConfig.defaults().withBindHost("127.0.0.1").withPort(0), writer, meters)
                .http("127.0.0.1", 0)
                .build().start();
    }

    private String uri() {
        return "tcp://127.0.0.1:" + server.port();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
