package io.tocsin.standalone.timeseries;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The time-series store and job in a child JVM ({@code tocsin timeseries}), as the embedded default runs them:
 * readings written to Kafka reach the child's store, the child runs at a lower CPU priority, and it ends by itself
 * when the process that started it ends (a platform killed with -9 must not leave it holding its port and files).
 */
class TimeSeriesProcessTest {

    private static final long T0 = 1_790_000_000_000L;

    @TempDir
    Path dir;

    @Test
    void storesReadingsFromKafkaAtALowerPriorityAndEndsWithItsParent() throws Exception {
        Process parent = new ProcessBuilder("sleep", "600").start(); // stands in for the platform's process
        try (EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(dir.resolve("kafka"), 0, 0).start()) {
            kafka.createTopics(Map.of("telemetry", 1, "alarms", 1));
            TimeSeriesProcess child = TimeSeriesProcess.start(new TimeSeriesPath.Settings(kafka.bootstrapServers(),
                    "telemetry", "alarms", dir.resolve("store"), 0, dir.resolve("checkpoints"),
                    Duration.ofSeconds(5)), parent.pid());
            try {
                StoreSql store = new StoreSql(child.awaitUrl());
                send(kafka.bootstrapServers(), TelemetryBatch.newBuilder().setSiteId("chem-park-1").setDeviceId("gw-1")
                        .setSequence(1)
                        .addReadings(reading("gas-01", T0, 1.5))
                        .addReadings(reading("gas-02", T0, 27.25))
                        .build());

                awaitStored(store, 2, Duration.ofSeconds(60));
                if (Files.isExecutable(Path.of("/usr/bin/nice")) && Files.exists(Path.of("/proc/self/stat"))) {
                    // nice adds to the caller's niceness (a build may itself run under nice), up to 19
                    int own = niceness(ProcessHandle.current().pid());
                    assertThat(niceness(child.handle().pid())).as("the child's CPU priority")
                            .isEqualTo(Math.min(19, own + TimeSeriesProcess.NICENESS));
                }

                parent.destroyForcibly();
                // The child's shutdown hook gives its parts 60 s to close (PartLifecycle), then it exits anyway; at
                // a lower CPU priority on a loaded machine it may use most of that (once more than 60 s).
                try {
                    await().atMost(Duration.ofSeconds(90)).until(() -> !child.handle().isAlive());
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError("the child outlived its parent by 90 s; its log ends:\n" + childLogTail(), e);
                }
                assertThat(Files.readString(dir.resolve("store").resolve("process.log")))
                        .contains("READY timeseries url=")
                        .contains("has ended: stopping the time-series process");
            } finally {
                child.close();
            }
        } finally {
            parent.destroyForcibly();
        }
    }

    @Test
    void aChildThatDiesIsStartedAgainAndGoesOnWritingAtTheSameUrl() throws Exception {
        try (EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(dir.resolve("kafka"), 0, 0).start()) {
            kafka.createTopics(Map.of("telemetry", 1, "alarms", 1));
            TimeSeriesProcess child = TimeSeriesProcess.start(new TimeSeriesPath.Settings(kafka.bootstrapServers(),
                    "telemetry", "alarms", dir.resolve("store"), 0, dir.resolve("checkpoints"),
                    Duration.ofSeconds(2)));
            try {
                String url = child.awaitUrl();
                StoreSql store = new StoreSql(url);
                send(kafka.bootstrapServers(), TelemetryBatch.newBuilder().setSiteId("chem-park-1").setDeviceId("gw-1")
                        .setSequence(1).addReadings(reading("gas-01", T0, 1.5)).build());
                awaitStored(store, 1, Duration.ofSeconds(60));

                ProcessHandle first = child.handle();
                first.destroyForcibly(); // a crash: no clean stop
                await().atMost(Duration.ofSeconds(30)).until(() -> !first.isAlive());
                send(kafka.bootstrapServers(), TelemetryBatch.newBuilder().setSiteId("chem-park-1").setDeviceId("gw-1")
                        .setSequence(2).addReadings(reading("gas-01", T0 + 1_000, 2.5)).build());

                awaitStored(store, 2, Duration.ofSeconds(120));
                assertThat(child.handle().pid()).isNotEqualTo(first.pid());
                assertThat(child.handle().isAlive()).isTrue();
            } finally {
                child.close();
            }
        }
    }

    /**
     * Waits for the site's readings in the store; on a timeout the failure shows the end of the child's log (this
     * test once failed twice in a row with no reading stored and nothing in the build's output to say why).
     */
    private void awaitStored(StoreSql store, long readings, Duration max) throws Exception {
        try {
            await().atMost(max).ignoreExceptions()
                    .until(() -> store.count("SELECT count() FROM reading WHERE site = 'chem-park-1'") == readings);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(readings + " readings not in the store within " + max + "; the child's log ends:\n"
                    + childLogTail(), e);
        }
    }

    private String childLogTail() throws IOException {
        Path log = dir.resolve("store").resolve("process.log");
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of("(no " + log + ")");
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
    }

    /** Field 19 of /proc/PID/stat; the fields before it have no spaces once past the command's parentheses. */
    private static int niceness(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[16]);
    }

    private static void send(String bootstrap, TelemetryBatch batch) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("telemetry", batch.toByteArray())).get();
        }
    }

    private static Reading reading(String sensor, long t, double value) {
        return Reading.newBuilder().setSensorId(sensor).setTimestampMs(t).setValue(value).setUnit("%LEL")
                .setQuality(Quality.QUALITY_GOOD).build();
    }
}
