package io.tocsin.ingest.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.IngestConfig;
import io.tocsin.ingest.IngestServer;
import io.tocsin.ingest.telemetry.KafkaTelemetryWriter;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Same QoS 1 telemetry load against the Tocsin ingest server (PUBACK after Kafka acks=all) and against Mosquitto
 * (Debian package; writes nothing anywhere), in one run, one after the other, on this machine.
 *
 * <p>Arguments (key=value): connections (100), window (10 publishes in flight per connection), seconds (20 measured,
 * after 5 s warm-up), readings (10 per batch), mosquitto (/usr/sbin/mosquitto).
 */
public final class IngestBench {

    private IngestBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = BenchOptions.parse(args, 0);
        int connections = Integer.parseInt(options.getOrDefault("connections", "100"));
        int window = Integer.parseInt(options.getOrDefault("window", "10"));
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "20"));
        int readings = Integer.parseInt(options.getOrDefault("readings", "10"));
        String mosquittoBinary = options.getOrDefault("mosquitto", "/usr/sbin/mosquitto");
        LoadGenerator.Load load = new LoadGenerator.Load(connections, window, Duration.ofSeconds(5),
                Duration.ofSeconds(seconds), readings);
        System.out.printf("Load: %d connections, %d QoS 1 publishes in flight each, batches of %d readings, "
                + "5 s warm-up, %d s measured%n", connections, window, readings, seconds);

        Path dir = Files.createTempDirectory("tocsin-bench");
        LoadGenerator.Result tocsin;
        try (EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(dir.resolve("kafka"), 0, 0).start()) {
            kafka.createTopics(Map.of("telemetry", 2));
            try (KafkaTelemetryWriter writer = new KafkaTelemetryWriter(kafka.bootstrapServers(), "telemetry",
                    Duration.ofSeconds(30), producerOverrides(options));
                 IngestServer server = new IngestServer(IngestConfig.defaults().withBindHost("127.0.0.1").withPort(0),
                         writer, new SimpleMeterRegistry()).start()) {
                tocsin = new LoadGenerator("127.0.0.1", server.port(), load).run();
            }
        }
        // The MQTT side alone: a telemetry log that answers at once, to separate ingest's cost from Kafka's.
        LoadGenerator.Result tocsinNoKafka;
        try (IngestServer server = new IngestServer(IngestConfig.defaults().withBindHost("127.0.0.1").withPort(0),
                (address, payload) -> java.util.concurrent.CompletableFuture.completedFuture(null),
                new SimpleMeterRegistry()).start()) {
            tocsinNoKafka = new LoadGenerator("127.0.0.1", server.port(), load).run();
        }
        LoadGenerator.Result mosquitto = runMosquitto(mosquittoBinary, dir, load);

        System.out.println();
        System.out.println("| broker | acked publishes/s | PUBACK p50 ms | PUBACK p99 ms | errors |");
        System.out.println("|---|---|---|---|---|");
        print("tocsin ingest (Kafka acks=all)", tocsin);
        print("tocsin ingest, log answering at once (no Kafka)", tocsinNoKafka);
        print("mosquitto 2.0 (no persistence)", mosquitto);
        System.out.printf("%nratio tocsin/mosquitto acked/s: %.2f%n", tocsin.ackedPerSecond() / mosquitto.ackedPerSecond());
    }

    /** producer.X=Y arguments override the telemetry producer's settings (tuning experiments). */
    private static Map<String, Object> producerOverrides(Map<String, String> options) {
        Map<String, Object> overrides = new HashMap<>();
        options.forEach((key, value) -> {
            if (key.startsWith("producer.")) {
                overrides.put(key.substring("producer.".length()), value);
            }
        });
        return overrides;
    }

    private static void print(String name, LoadGenerator.Result result) {
        System.out.printf("| %s | %.0f | %.2f | %.2f | %d |%n", name, result.ackedPerSecond(), result.p50Millis(),
                result.p99Millis(), result.errors());
    }

    private static LoadGenerator.Result runMosquitto(String binary, Path dir, LoadGenerator.Load load)
            throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Path config = dir.resolve("mosquitto.conf");
        // Nagle off like the ingest server (Mosquitto leaves it on by default), no persistence, no limits.
        Files.writeString(config, "listener " + port + " 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\n"
                + "persistence false\nlog_dest stdout\nlog_type error\nmax_inflight_messages 0\n");
        Process mosquitto = new ProcessBuilder(binary, "-c", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
        try {
            awaitPort(port);
            return new LoadGenerator("127.0.0.1", port, load).run();
        } finally {
            mosquitto.destroy();
            mosquitto.waitFor();
        }
    }

    private static void awaitPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("mosquitto did not listen on " + port);
    }
}
