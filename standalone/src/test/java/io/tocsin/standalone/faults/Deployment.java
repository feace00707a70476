package io.tocsin.standalone.faults;

import io.tocsin.standalone.LoopbackPorts;
import io.tocsin.standalone.ScratchDirectory;
import io.tocsin.standalone.timeseries.StoreSql;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The platform as separate OS processes on loopback, each from the standalone jar's classes: a KRaft Kafka
 * broker, the time-series store, the Flink jobs (restoring from their checkpoint directory at every start) and
 * one ingest node. Fixed ports and data directories, so that a part restarted after a fault comes back where it
 * was.
 */
final class Deployment implements AutoCloseable {

    static final Duration READY_TIMEOUT = Duration.ofSeconds(240);

    /** The alarm rules of the harness: the scripted leaks cross 25 %LEL; no silence rule (outages are on purpose). */
    static final String RULES = """
            version: "faults-1"
            sensorTypes:
              gas:
                match: ["gas-*"]
                rules:
                  - id: gas-high
                    kind: threshold-high
                    setPoint: 25
                    severity: ORANGE
            """;

    private final Path dir;
    final PartProcess kafka;
    final PartProcess store;
    final PartProcess jobs;
    final PartProcess ingest;
    private final int kafkaPort = LoopbackPorts.free();
    private final int storePort = LoopbackPorts.free();
    private final int mqttPort = LoopbackPorts.free();

    Deployment(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        Path rules = Files.writeString(dir.resolve("rules.yaml"), RULES);
        Path ingestYaml = Files.writeString(dir.resolve("ingest.yaml"), """
                node: faults-1
                kafka:
                  bootstrap: %s
                  deliveryTimeoutSeconds: 10
                mqtt:
                  bind: 127.0.0.1
                  port: %d
                """.formatted(bootstrap(), mqttPort));
        kafka = new PartProcess("kafka", "384m", dir.resolve("kafka.log"), List.of("kafka",
                "--data-dir", dir.resolve("kafka").toString(), "--port", Integer.toString(kafkaPort),
                "--controller-port", Integer.toString(LoopbackPorts.free()), "--partitions", "2"));
        store = new PartProcess("store", "256m", dir.resolve("store.log"), List.of("store",
                "--data-dir", dir.resolve("store").toString(), "--http-port", Integer.toString(storePort)));
        jobs = new PartProcess("jobs", "512m", dir.resolve("jobs.log"), List.of("jobs",
                "--bootstrap", bootstrap(), "--checkpoints", dir.resolve("checkpoints").toString(),
                "--store", storeUrl(), "--rules", rules.toString(), "--checkpoint-interval", "PT2S"));
        ingest = new PartProcess("ingest", "256m", dir.resolve("ingest.log"), List.of("ingest",
                "--config", ingestYaml.toString()));
    }

    /** Starts every part: Kafka and the store side by side, then the jobs and ingest side by side. */
    Deployment start() {
        CompletableFuture.allOf(CompletableFuture.runAsync(() -> kafka.start(READY_TIMEOUT)),
                CompletableFuture.runAsync(() -> store.start(READY_TIMEOUT))).join();
        CompletableFuture.allOf(CompletableFuture.runAsync(() -> jobs.start(READY_TIMEOUT)),
                CompletableFuture.runAsync(() -> ingest.start(READY_TIMEOUT))).join();
        return this;
    }

    String bootstrap() {
        return "127.0.0.1:" + kafkaPort;
    }

    String storeUrl() {
        return "http://127.0.0.1:" + storePort;
    }

    String mqttUri() {
        return "tcp://127.0.0.1:" + mqttPort;
    }

    /** Runs SQL on the store ({@code /exec}) and returns its JSON answer. */
    String query(String sql) {
        return new StoreSql(storeUrl()).query(sql);
    }

    /** Deletes Kafka's log, the store's tables and the checkpoints (after {@link #close()}); the part logs stay. */
    void deleteData() {
        for (String data : List.of("kafka", "store", "checkpoints")) {
            Path path = dir.resolve(data);
            try {
                ScratchDirectory.deleteTree(path);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + path, e);
            }
        }
    }

    /** Stops in the reverse order of dependencies; the jobs before Kafka, or their cancel waits for it. */
    @Override
    public void close() {
        for (PartProcess part : List.of(ingest, jobs, store, kafka)) {
            try {
                part.stop();
            } catch (RuntimeException e) {
                part.kill();
            }
        }
    }
}
