package io.tocsin.standalone.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tocsin.jobs.alarms.AlarmJob;
import io.tocsin.jobs.kafka.KafkaEndpoints;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash and restore on real parts: the job is killed (cancelled, not stopped) after it has published alarms
 * decided after its last checkpoint; restored from that checkpoint it reads those readings again from Kafka.
 * No transition is lost, and the ones published twice carry the same alarm ids (so stations collapse them).
 */
class AlarmJobCrashRestoreTest {

    private static final long T0 = 1_790_000_000_000L;
    private static final long TIMEOUT_S = 60;

    @TempDir
    Path dataDir;

    @Test
    void noTransitionIsLostAndReplayedOnesKeepTheirAlarmIds() throws Exception {
        try (EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(dataDir.resolve("kafka"), 0, 0).start()) {
            kafka.createTopics(Map.of("telemetry", 1, "alarms", 1));
            String bootstrap = kafka.bootstrapServers();
            MiniCluster flink = new MiniCluster(new MiniClusterConfiguration.Builder()
                    .setConfiguration(new Configuration()).setNumTaskManagers(1).setNumSlotsPerTaskManager(1).build());
            flink.start();
            try (flink; AlarmTopics topics = new AlarmTopics(bootstrap, "alarms", null)) {
                JobID first = submit(flink, bootstrap, null);

                topics.readings("telemetry", "park-1", T0, "gas-05", 30);
                topics.readings("telemetry", "park-1", T0 + 1_000, "gas-05", 2);
                awaitAlarms(topics, 2);
                long checkpointId = flink.triggerCheckpoint(first, CheckpointType.FULL)
                        .get(TIMEOUT_S, TimeUnit.SECONDS);
                String checkpoint = dataDir.resolve("checkpoints").resolve(first.toHexString())
                        .resolve("chk-" + checkpointId).toUri().toString();

                // Decided after the checkpoint: lost from the job's state by the crash, replayed after it.
                topics.readings("telemetry", "park-1", T0 + 2_000, "gas-05", 40);
                topics.readings("telemetry", "park-1", T0 + 3_000, "gas-05", 3);
                awaitAlarms(topics, 4);
                flink.cancelJob(first).get(TIMEOUT_S, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(TIMEOUT_S))
                        .until(() -> flink.getJobStatus(first).get() == JobStatus.CANCELED);

                JobID second = submit(flink, bootstrap, checkpoint);
                topics.readings("telemetry", "park-1", T0 + 4_000, "gas-05", 50);
                await().atMost(Duration.ofSeconds(TIMEOUT_S)).until(() -> topics.alarms().stream()
                        .anyMatch(a -> a.alarmId().equals("park-1/gas-05/gas-high/3")));
                flink.cancelJob(second).get(TIMEOUT_S, TimeUnit.SECONDS);

                List<RoutedAlarm> published = topics.alarms();
                Set<String> distinct = new LinkedHashSet<>();
                published.forEach(a -> distinct.add(a.alarmId() + " " + a.transition().state()));
                assertThat(distinct).as("every transition once, in order, with continuous activations")
                        .containsExactly(
                                "park-1/gas-05/gas-high/1 ACTIVE_UNACKNOWLEDGED",
                                "park-1/gas-05/gas-high/1 RETURNED_UNACKNOWLEDGED",
                                "park-1/gas-05/gas-high/2 ACTIVE_UNACKNOWLEDGED",
                                "park-1/gas-05/gas-high/2 RETURNED_UNACKNOWLEDGED",
                                "park-1/gas-05/gas-high/3 ACTIVE_UNACKNOWLEDGED");
                assertThat(published).as("the replay published activation 2 again, under the same id")
                        .filteredOn(a -> a.alarmId().equals("park-1/gas-05/gas-high/2")).hasSize(4);
                assertThat(published).filteredOn(a -> a.alarmId().endsWith("/2")).allSatisfy(a ->
                        assertThat(a.transition().raisedAtMs()).isEqualTo(T0 + 2_000));
            }
        }
    }

    private JobID submit(MiniCluster flink, String bootstrap, String restoreFrom) throws Exception {
        // Checkpoints only when the test asks for one; kept when the job is cancelled, as after a crash.
        Configuration conf = AlarmJob.recommendedConfiguration(Duration.ofHours(1));
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dataDir.resolve("checkpoints").toUri().toString());
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        new AlarmJob(KafkaEndpoints.telemetrySource(bootstrap, "telemetry", "crash-test"),
                KafkaEndpoints.alarmSink(bootstrap, "alarms"),
                RULES)
                .buildPipeline(env);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(AlarmJob.JOB_NAME);
        if (restoreFrom != null) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(restoreFrom));
        }
        JobID id = flink.submitJob(graph).get(TIMEOUT_S, TimeUnit.SECONDS).getJobID();
        await().atMost(Duration.ofSeconds(TIMEOUT_S)).until(() -> flink.getJobStatus(id).get() == JobStatus.RUNNING);
        return id;
    }

    private static final io.tocsin.jobs.alarms.RuleFileText RULES = new io.tocsin.jobs.alarms.RuleFileText(
            "crash-rules.yaml", """
            version: "crash-1"
            sensorTypes:
              gas:
                match: ["gas-*"]
                rules:
                  - id: gas-high
                    kind: threshold-high
                    setPoint: 25
                    severity: ORANGE
            """);

    private static void awaitAlarms(AlarmTopics topics, int count) {
        await().atMost(Duration.ofSeconds(TIMEOUT_S)).until(() -> topics.alarms().size() >= count);
    }
}
