package io.tocsin.standalone.cluster;

import io.tocsin.standalone.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The ingest nodes of the local cluster: each one {@code java -jar tocsin-standalone.jar ingest --config
 * ingest-N.yaml}, the same command a city runs on its ingest machines, with its own MQTT port and its own alarm
 * fan-out consumer group (node id), all writing to the one Kafka cluster.
 */
final class IngestNodes implements AutoCloseable {

    private final Path dir;
    private final Path standaloneJar;
    private final String bootstrap;
    private final List<ChildProcess> nodes = new ArrayList<>();
    private final List<Integer> mqttPorts = new ArrayList<>();
    private final List<Integer> httpPorts = new ArrayList<>();
    private final HttpClient httpClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    IngestNodes(Path dir, Path standaloneJar, String bootstrap) {
        this.dir = dir;
        this.standaloneJar = standaloneJar;
        this.bootstrap = bootstrap;
    }

    void start(int count) throws IOException {
        for (int n = 1; n <= count; n++) {
            int mqtt = LoopbackPorts.free();
            int http = LoopbackPorts.free();
            Path config = dir.resolve("ingest-" + n + ".yaml");
            Files.writeString(config, String.join("\n",
                    "# Tocsin local cluster: ingest node " + n + " (generated)",
                    "node: n" + n,
                    "kafka:",
                    "  bootstrap: " + bootstrap,
                    "  deliveryTimeoutSeconds: 30",
                    "mqtt:",
                    "  bind: 127.0.0.1",
                    "  port: " + mqtt,
                    "http:",
                    "  bind: 127.0.0.1",
                    "  port: " + http,
                    ""));
            List<String> jvm = new ArrayList<>(List.of("-Xmx512m", "-Xms256m", "-XX:+UseG1GC",
                    "-XX:ActiveProcessorCount=2"));
            jvm.addAll(ChildProcess.JAVA_17_OPENS);
            ChildProcess node = ChildProcess.startJava("ingest-" + n, dir.resolve("logs"), jvm,
                    standaloneJar.toAbsolutePath().toString(), "io.tocsin.standalone.TocsinCommand",
                    List.of("ingest", "--config", config.toString()));
            nodes.add(node);
            mqttPorts.add(mqtt);
            httpPorts.add(http);
        }
        for (ChildProcess node : nodes) {
            // `tocsin ingest` prints one line "READY ingest node=... mqtt=..." once it serves.
            node.awaitOutput("READY ingest", Duration.ofSeconds(420));
        }
    }

    List<Integer> mqttPorts() {
        return List.copyOf(mqttPorts);
    }

    List<Integer> httpPorts() {
        return List.copyOf(httpPorts);
    }

    /**
     * A meter of node {@code index} from its Prometheus {@code /metrics}, summed over its tags (e.g.
     * {@code tocsin_ingest_clients_connected}); 0 when the node does not list it.
     */
    double meter(int index, String prometheusName) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPorts.get(index)
                + "/metrics")).timeout(Duration.ofSeconds(10)).build();
        String body = httpClient.send(request, HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        for (String line : body.split("\n")) {
            if (line.startsWith(prometheusName + " ") || line.startsWith(prometheusName + "{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    String uri(int index) {
        return "tcp://127.0.0.1:" + mqttPorts.get(index);
    }

    List<String> uris() {
        List<String> uris = new ArrayList<>();
        for (int i = 0; i < mqttPorts.size(); i++) {
            uris.add(uri(i));
        }
        return uris;
    }

    int count() {
        return nodes.size();
    }

    @Override
    public void close() {
        nodes.forEach(ChildProcess::close);
    }
}
