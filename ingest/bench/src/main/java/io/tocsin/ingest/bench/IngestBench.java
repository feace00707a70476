package io.tocsin.ingest.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.IngestConfig;
import io.tocsin.ingest.IngestServer;
import io.tocsin.ingest.telemetry.KafkaTelemetryWriter;
import io.tocsin.standalone.ScratchDirectory;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Same QoS 1 telemetry load against the Tocsin ingest server (PUBACK after Kafka acks=all) and against Mosquitto
 * (Debian package; writes nothing anywhere), in one run, one after the other, on this machine.
 *
 * <p>Arguments (key=value): connections (100), window (10 publishes in flight per connection), seconds (20
 * measured), warmup (5 s of load before measuring), rounds (1: every broker at every generator setting once; with
 * more, the first round only warms up the JVM, its embedded Kafka broker and the generator and is not counted, and
 * the median ratio of the others is printed: a cold first round's ingest-with-Kafka figure came out 20-30 % below
 * the same code warm), readings (10 per batch), clientThreads (1: the load generator's event-loop threads, or a
 * list such as 1,2 to run every broker with each; with one, the generator itself may be what bounds the faster
 * brokers), payload (perPublish: every publish's batch encoded anew; perSecond: once a second per connection, so
 * that the generator's CPU goes to MQTT rather than protobuf), mosquitto (/usr/sbin/mosquitto), phases (all:
 * kafka,noKafka,mosquitto; a subset runs only those, e.g. {@code phases=kafka} under a profiler, and prints no ratio).
 */
public final class IngestBench {

    private IngestBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = BenchOptions.parse(args, 0);
        int connections = Integer.parseInt(options.getOrDefault("connections", "100"));
        int window = Integer.parseInt(options.getOrDefault("window", "10"));
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "20"));
        int warmUpSeconds = Integer.parseInt(options.getOrDefault("warmup", "5"));
        int readings = Integer.parseInt(options.getOrDefault("readings", "10"));
        List<Integer> threadCounts = Arrays.stream(options.getOrDefault("clientThreads", "1").split(","))
                .map(Integer::parseInt).toList();
        boolean payloadPerSecond = "perSecond".equals(options.getOrDefault("payload", "perPublish"));
        String mosquittoBinary = options.getOrDefault("mosquitto", "/usr/sbin/mosquitto");
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "1"));
        List<String> phases = List.of(options.getOrDefault("phases", "kafka,noKafka,mosquitto").split(","));
        System.out.printf("Load: %d connections, %d QoS 1 publishes in flight each, batches of %d readings "
                + "(encoded %s), %d s warm-up, %d s measured, load generator threads %s, %d round(s)%n", connections,
                window, readings, payloadPerSecond ? "once a second per connection" : "for every publish",
                warmUpSeconds, seconds, threadCounts, rounds);

        List<Double> ratios = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            List<String> rows = new ArrayList<>();
            double bestTocsin = 0;
            double bestMosquitto = 0;
            for (int threads : threadCounts) {
                LoadGenerator.Load load = new LoadGenerator.Load(connections, window,
                        Duration.ofSeconds(warmUpSeconds), Duration.ofSeconds(seconds), readings, threads,
                        payloadPerSecond);
                if (phases.contains("kafka")) {
                    LoadGenerator.Result tocsin = runTocsinWithKafka(load, options);
                    rows.add(row("tocsin ingest (Kafka acks=all)", threads, tocsin));
                    bestTocsin = Math.max(bestTocsin, tocsin.ackedPerSecond());
                }
                if (phases.contains("noKafka")) {
                    rows.add(row("tocsin ingest, log answering at once (no Kafka)", threads,
                            runTocsinWithoutKafka(load)));
                }
                if (phases.contains("mosquitto")) {
                    LoadGenerator.Result mosquitto = runMosquitto(mosquittoBinary, load);
                    rows.add(row("mosquitto 2.0 (no persistence)", threads, mosquitto));
                    bestMosquitto = Math.max(bestMosquitto, mosquitto.ackedPerSecond());
                }
            }
            System.out.printf("%nRound %d of %d%s%n", round, rounds, round == 1 && rounds > 1
                    ? " (warms the JVM, its Kafka broker and the generator: not counted)" : "");
            System.out.println("| broker | load generator threads | acked publishes/s | PUBACK p50 ms "
                    + "| PUBACK p99 ms | errors |");
            System.out.println("|---|---|---|---|---|---|");
            rows.forEach(System.out::println);
            if (bestTocsin == 0 || bestMosquitto == 0) {
                continue;
            }
            // Each broker at its best generator setting: a single-threaded broker does best with a generator that
            // leaves it a whole core, a multi-threaded one with a generator that is not itself the bound.
            double ratio = bestTocsin / bestMosquitto;
            System.out.printf("ratio tocsin/mosquitto acked/s, each at its best: %.2f%n", ratio);
            if (round > 1 || rounds == 1) {
                ratios.add(ratio);
            }
        }
        if (ratios.size() > 1) {
            List<Double> sorted = ratios.stream().sorted().toList();
            double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                    : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
            System.out.printf("%nratios of the counted rounds %s, median %.2f%n",
                    ratios.stream().map(r -> String.format("%.2f", r)).toList(), median);
        }
    }

    private static LoadGenerator.Result runTocsinWithKafka(LoadGenerator.Load load, Map<String, String> options)
            throws Exception {
        // Kafka's log of one run is gigabytes: deleted after each run.
        try (ScratchDirectory kafkaDir = ScratchDirectory.create("tocsin-bench-kafka");
             EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(kafkaDir.path(), 0, 0).start()) {
            kafka.createTopics(Map.of("telemetry", 2));
            try (KafkaTelemetryWriter writer = new KafkaTelemetryWriter(kafka.bootstrapServers(), "telemetry",
                    Duration.ofSeconds(30), producerOverrides(options));
                 IngestServer server = new IngestServer(IngestConfig.defaults().withBindHost("127.0.0.1")
                         .withPort(0), writer, new SimpleMeterRegistry()).start()) {
                return new LoadGenerator("127.0.0.1", server.port(), load).run();
            }
        }
    }

    /** The MQTT side alone: a telemetry log that answers at once, to separate ingest's cost from Kafka's. */
    private static LoadGenerator.Result runTocsinWithoutKafka(LoadGenerator.Load load) throws Exception {
        try (IngestServer server = new IngestServer(IngestConfig.defaults().withBindHost("127.0.0.1").withPort(0),
                (address, payload) -> java.util.concurrent.CompletableFuture.completedFuture(null),
                new SimpleMeterRegistry()).start()) {
            return new LoadGenerator("127.0.0.1", server.port(), load).run();
        }
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

    private static String row(String name, int threads, LoadGenerator.Result result) {
        return String.format("| %s | %d | %.0f | %.2f | %.2f | %d |", name, threads, result.ackedPerSecond(),
                result.p50Millis(), result.p99Millis(), result.errors());
    }

    private static LoadGenerator.Result runMosquitto(String binary, LoadGenerator.Load load) throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (ScratchDirectory dir = ScratchDirectory.create("tocsin-bench-mosquitto")) {
            Path config = dir.path().resolve("mosquitto.conf");
            // Nagle off like the ingest server (Mosquitto leaves it on by default), no persistence, no limits.
            Files.writeString(config, "listener " + port + " 127.0.0.1\nallow_anonymous true\n"
                    + "set_tcp_nodelay true\npersistence false\nlog_dest stdout\nlog_type error\n"
                    + "max_inflight_messages 0\n");
            Process mosquitto = new ProcessBuilder(binary, "-c", config.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.path().resolve("mosquitto.log").toFile()).start();
            try {
                awaitPort(port);
                return new LoadGenerator("127.0.0.1", port, load).run();
            } finally {
                mosquitto.destroy();
                mosquitto.waitFor();
            }
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
