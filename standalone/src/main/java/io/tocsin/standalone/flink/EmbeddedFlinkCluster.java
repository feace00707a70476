package io.tocsin.standalone.flink;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Flink cluster inside this JVM (Flink's MiniCluster: a JobManager and a TaskManager) that runs several
 * jobs side by side, as a session cluster would: the alarm job and the time-series job each keep their own
 * checkpoints, restarts and back pressure, so a stalled time-series store never holds up an alarm.
 */
public final class EmbeddedFlinkCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedFlinkCluster.class);
    private static final Duration CANCEL_TIMEOUT = Duration.ofSeconds(30);

    private final MiniCluster cluster;
    private final List<JobID> jobs = new ArrayList<>();

    private EmbeddedFlinkCluster(MiniCluster cluster) {
        this.cluster = cluster;
    }

    /** Starts one TaskManager with {@code slots} slots (one per job at parallelism 1). */
    public static EmbeddedFlinkCluster start(int slots) throws Exception {
        Configuration conf = new Configuration();
        // Flink's REST endpoint defaults to 8081: a free port instead, so that several platforms (a demo and a
        // test run, or two tests) can share a machine.
        conf.set(RestOptions.BIND_PORT, "0");
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(conf)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(slots)
                .build());
        cluster.start();
        return new EmbeddedFlinkCluster(cluster);
    }

    /**
     * Builds a job with {@code pipeline} on an environment configured with {@code jobConfiguration} (checkpoints,
     * restart strategy ...) and submits it.
     */
    public JobID submit(String jobName, Configuration jobConfiguration, Consumer<StreamExecutionEnvironment> pipeline)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(jobConfiguration);
        env.setParallelism(1);
        pipeline.accept(env);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(jobName);
        JobID id = cluster.submitJob(graph).get(CANCEL_TIMEOUT.toSeconds(), TimeUnit.SECONDS).getJobID();
        jobs.add(id);
        log.info("Flink job {} submitted ({})", jobName, id);
        return id;
    }

    /** Cancels the jobs, then stops the cluster. */
    @Override
    public void close() throws Exception {
        for (JobID job : jobs) {
            try {
                cluster.cancelJob(job).get(CANCEL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("Cancelling Flink job {} failed: {}", job, e.toString());
            }
        }
        cluster.close();
    }
}
