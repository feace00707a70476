package io.tocsin.standalone.parts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real MiniCluster: a job restarts from its latest checkpoint; a checkpoint whose state the new program
 * cannot take (here: the stateful operator's uid changed, as when an upgrade re-keys a stage) stops the start
 * with Flink's reason, the checkpoint, and the folder to move aside, instead of a bare "FAILED".
 */
class CheckpointedJobStartTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path checkpoints;

    /** Counts per key in keyed state (so that a checkpoint holds state under this operator's uid). */
    private static final class Count extends KeyedProcessFunction<Long, Long, Long> {
        private transient ValueState<Long> count;

        @Override
        public void open(OpenContext openContext) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
        }

        @Override
        public void processElement(Long value, Context ctx, Collector<Long> out) throws Exception {
            long n = count.value() == null ? 1 : count.value() + 1;
            count.update(n);
            out.collect(n);
        }
    }

    private StreamGraph job(String statefulUid) {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.enableCheckpointing(Duration.ofHours(1).toMillis()); // only when the test asks for one
        env.setParallelism(1);
        env.fromSource(new DataGeneratorSource<>(i -> i % 10, Long.MAX_VALUE, RateLimiterStrategy.perSecond(20),
                        Types.LONG), WatermarkStrategy.noWatermarks(), "numbers").uid("numbers")
                .keyBy(i -> i).process(new Count()).uid(statefulUid)
                .sinkTo(new DiscardingSink<>()).uid("discard");
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName("checkpointed-job-start-test");
        return graph;
    }

    @Test
    void aJobRestartsFromItsCheckpointAndOneItCannotReadSaysWhichFolderToMoveAside() throws Exception {
        MiniCluster flink = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(new Configuration()).setNumTaskManagers(1).setNumSlotsPerTaskManager(1).build());
        flink.start();
        try (flink) {
            JobID first = CheckpointedJobStart.start(flink, job("count-per-key"), checkpoints, TIMEOUT);
            // A RUNNING job may still be deploying its tasks: a checkpoint is refused until they all run.
            await().atMost(TIMEOUT).ignoreExceptions().until(() -> flink.triggerCheckpoint(first, CheckpointType.FULL)
                    .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS) > 0);
            cancel(flink, first);
            assertThat(LatestCheckpoint.in(checkpoints)).isPresent();

            assertThatThrownBy(() -> CheckpointedJobStart.start(flink, job("count-per-key-v2"), checkpoints, TIMEOUT))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("did not start (FAILED)")
                    .hasMessageContaining("Cannot map checkpoint/savepoint state")
                    .hasMessageContaining(LatestCheckpoint.in(checkpoints).orElseThrow().toString())
                    .hasMessageContaining("move " + checkpoints + " aside");

            JobID again = CheckpointedJobStart.start(flink, job("count-per-key"), checkpoints, TIMEOUT);
            assertThat(flink.getJobStatus(again).get()).isEqualTo(JobStatus.RUNNING);
            cancel(flink, again);
        }
    }

    private static void cancel(MiniCluster flink, JobID job) throws Exception {
        flink.cancelJob(job).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        await().atMost(TIMEOUT).until(() -> flink.getJobStatus(job).get() == JobStatus.CANCELED);
    }
}
