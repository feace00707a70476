package io.tocsin.standalone.parts;

import io.tocsin.jobs.alarms.AlarmJob;
import io.tocsin.jobs.alarms.RuleFileText;
import io.tocsin.jobs.kafka.KafkaEndpoints;
import io.tocsin.jobs.registry.RegistryFileText;
import io.tocsin.jobs.timeseries.InfluxDbSettings;
import io.tocsin.jobs.timeseries.TimeSeriesJob;
import io.tocsin.standalone.Platform;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tocsin jobs}: a Flink MiniCluster process running the alarm job and the time-series job, each resuming
 * from its latest complete checkpoint under {@code --checkpoints} ({@code alarms/} and {@code time-series/}).
 * Checkpoints are kept when the jobs are cancelled or the process dies, so a restart after kill -9 continues with
 * the alarm state (active alarms, activation counts: the same alarm ids) and the Kafka offsets of the checkpoint.
 */
@Command(name = "jobs", mixinStandardHelpOptions = true,
        description = "Run the alarm job and the time-series job on a Flink MiniCluster, restoring from the latest checkpoint.")
public final class JobsPartCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(JobsPartCommand.class);
    private static final long TIMEOUT_S = 60;

    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, host:port[,host:port].")
    String bootstrap;

    @Option(names = "--checkpoints", required = true,
            description = "Checkpoint directory (local path); restarts resume from the newest complete checkpoint in it.")
    Path checkpoints;

    @Option(names = "--store", required = true,
            description = "Base URL of the InfluxDB v2 write API, e.g. http://127.0.0.1:9000 (tocsin store).")
    String storeUrl;

    @Option(names = "--store-token", defaultValue = "", description = "InfluxDB API token (default: none).")
    String storeToken;

    @Option(names = "--store-org", defaultValue = "tocsin", description = "InfluxDB organisation (default: ${DEFAULT-VALUE}).")
    String storeOrg;

    @Option(names = "--store-bucket", defaultValue = "tocsin", description = "InfluxDB bucket (default: ${DEFAULT-VALUE}).")
    String storeBucket;

    @Option(names = "--rules", description = "Rule file (default: the rules shipped with alarm-rules).")
    Path rules;

    @Option(names = "--registry", description = "Site registry file (default: the demo's sites).")
    Path registry;

    @Option(names = "--checkpoint-interval", defaultValue = "PT30S",
            description = "Checkpoint interval, ISO-8601 (default: ${DEFAULT-VALUE}); what a restarted job replays.")
    Duration checkpointInterval;

    @Option(names = "--no-time-series", description = "Run the alarm job only.")
    boolean noTimeSeries;

    @Override
    public Integer call() throws Exception {
        RuleFileText ruleFile = rules == null ? Platform.DEMO_RULES : RuleFileText.of(rules);
        RegistryFileText sites = registry == null ? RegistryFileText.shippedDemo() : RegistryFileText.of(registry);
        Platform.Topics topics = Platform.Topics.standard();
        PartLifecycle lifecycle = new PartLifecycle("jobs");
        Configuration clusterConf = new Configuration();
        clusterConf.set(RestOptions.BIND_PORT, "0");
        MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(clusterConf)
                .setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build());
        List<JobID> jobs = new ArrayList<>();
        try {
            cluster.start();
            jobs.add(submit(cluster, AlarmJob.JOB_NAME, "alarms",
                    AlarmJob.recommendedConfiguration(checkpointInterval), env -> new AlarmJob(
                    KafkaEndpoints.telemetrySource(bootstrap, topics.telemetry(), KafkaEndpoints.DEFAULT_GROUP_ID),
                    KafkaEndpoints.commandSource(bootstrap, topics.commands(), KafkaEndpoints.DEFAULT_GROUP_ID),
                    KafkaEndpoints.registrySource(bootstrap, topics.registry(), KafkaEndpoints.DEFAULT_GROUP_ID),
                    KafkaEndpoints.statusSource(bootstrap, topics.status(), KafkaEndpoints.DEFAULT_GROUP_ID),
                    KafkaEndpoints.alarmSink(bootstrap, topics.alarms()),
                    KafkaEndpoints.commandResultSink(bootstrap, topics.commandResults()),
                    AlarmJob.Options.of(ruleFile).withRegistry(sites))
                    .buildPipeline(env)));
            if (!noTimeSeries) {
                InfluxDbSettings store = InfluxDbSettings.of(storeUrl, storeToken, storeOrg, storeBucket);
                jobs.add(submit(cluster, TimeSeriesJob.JOB_NAME, "time-series",
                        TimeSeriesJob.recommendedConfiguration(checkpointInterval),
                        env -> TimeSeriesJob.onKafka(bootstrap, topics.telemetry(), topics.alarms(), store)
                                .buildPipeline(env)));
            }
            PartLifecycle.announceReady("jobs", "jobs=" + jobs.size() + " checkpoints=" + checkpoints.toAbsolutePath());
            lifecycle.awaitStopRequest();
            for (JobID job : jobs) {
                try {
                    // Cancelled, not stopped with a savepoint: the retained checkpoint is what a restart uses,
                    // exactly as after a crash.
                    cluster.cancelJob(job).get(TIMEOUT_S, TimeUnit.SECONDS);
                } catch (Exception e) {
                    log.warn("Cancelling Flink job {} failed: {}", job, e.toString());
                }
            }
        } finally {
            try {
                cluster.close();
            } finally {
                lifecycle.stopped();
            }
        }
        return 0;
    }

    private JobID submit(MiniCluster cluster, String jobName, String folder, Configuration conf,
                         Consumer<StreamExecutionEnvironment> pipeline) throws Exception {
        Path jobCheckpoints = checkpoints.resolve(folder).toAbsolutePath();
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, jobCheckpoints.toUri().toString());
        conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        pipeline.accept(env);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(jobName);
        return CheckpointedJobStart.start(cluster, graph, jobCheckpoints, Duration.ofSeconds(TIMEOUT_S));
    }
}
