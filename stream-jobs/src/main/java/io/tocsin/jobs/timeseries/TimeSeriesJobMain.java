package io.tocsin.jobs.timeseries;

import io.tocsin.jobs.kafka.KafkaEndpoints;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the time-series job ({@link TimeSeriesJob}: readings, one-minute rollups and alarm events from Kafka into an
 * InfluxDB v2 write API) on a Flink cluster, e.g. in application mode. It is in the same job jar as the alarm
 * job, whose manifest names {@code AlarmJobMain}: choose this one with
 * {@code -c io.tocsin.jobs.timeseries.TimeSeriesJobMain} ({@code flink run}) or {@code --job-classname}
 * ({@code standalone-job.sh}). Arguments:
 *
 * <pre>
 * --bootstrap-servers kafka:9092 --influx-url http://influxdb:8086
 *   [--influx-token TOKEN] [--influx-org tocsin] [--influx-bucket tocsin]
 *   [--telemetry-topic telemetry] [--alarms-topic alarms] [--group-id tocsin-time-series-job]
 *   [--checkpoint-interval-ms 10000] [--checkpoint-dir file:///... | s3://...]
 * </pre>
 *
 * <ul>
 *   <li>{@code --influx-url}: base URL of the write API (InfluxDB 2.x/3.x, or the store of {@code tocsin store});
 *       required, there is no sensible default for production.</li>
 *   <li>{@code --influx-token}: API token; without it the environment variable {@code INFLUX_TOKEN} (the InfluxDB
 *       CLI's), else none. Prefer the variable: program arguments show in the Flink web UI. The token is never
 *       logged.</li>
 *   <li>{@code --group-id}: the Kafka consumer group, of its own so the job's lag never holds up the alarm job;
 *       the alarms topic is read as {@code <group-id>-alarms}.</li>
 *   <li>{@code --checkpoint-dir}: durable storage; the last checkpoint is kept when the job is cancelled, so a
 *       redeployment resumes from its Kafka offsets (without one, from the committed offsets).</li>
 * </ul>
 * Batching (5,000 lines or 1 s) and retries are those of {@link InfluxDbSettings#of}.
 */
public final class TimeSeriesJobMain {

    private static final Logger LOG = LoggerFactory.getLogger(TimeSeriesJobMain.class);

    /** The InfluxDB CLI's variable for the token, read when {@code --influx-token} is not given. */
    public static final String TOKEN_VARIABLE = "INFLUX_TOKEN";

    private TimeSeriesJobMain() {
    }

    /** What the command line asks for. */
    public record Settings(String bootstrapServers, String telemetryTopic, String alarmsTopic, String groupId,
            InfluxDbSettings store, Duration checkpointInterval, String checkpointDir) {

        public Settings {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            Objects.requireNonNull(store, "store");
        }

        /** @throws IllegalArgumentException (or a RuntimeException of ParameterTool) for a bad command line */
        public static Settings parse(String... args) {
            return parse(System.getenv(), args);
        }

        /** {@link #parse(String...)} with the environment given, for tests. */
        static Settings parse(Map<String, String> environment, String... args) {
            ParameterTool params = ParameterTool.fromArgs(args);
            String bootstrapServers = params.getRequired("bootstrap-servers");
            String url = params.getRequired("influx-url");
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new IllegalArgumentException("--influx-url " + url
                        + ": must be the write API's base URL, http://host:port or https://host:port");
            }
            String token = params.get("influx-token", environment.getOrDefault(TOKEN_VARIABLE, ""));
            long intervalMs = params.getLong("checkpoint-interval-ms", 10_000);
            if (intervalMs <= 0) {
                throw new IllegalArgumentException("--checkpoint-interval-ms " + intervalMs + ": must be positive");
            }
            return new Settings(
                    bootstrapServers,
                    params.get("telemetry-topic", KafkaEndpoints.DEFAULT_TELEMETRY_TOPIC),
                    params.get("alarms-topic", KafkaEndpoints.DEFAULT_ALARMS_TOPIC),
                    params.get("group-id", TimeSeriesJob.DEFAULT_GROUP_ID),
                    InfluxDbSettings.of(url, token, params.get("influx-org", "tocsin"),
                            params.get("influx-bucket", "tocsin")),
                    Duration.ofMillis(intervalMs),
                    params.get("checkpoint-dir"));
        }

        /** The job reading the Kafka topics and writing readings, rollups and alarm events to the store. */
        public TimeSeriesJob job() {
            return TimeSeriesJob.onKafka(bootstrapServers, telemetryTopic, alarmsTopic, groupId, store);
        }

        /**
         * The configuration the platform's own launchers give this job ({@link TimeSeriesJob#recommendedConfiguration})
         * plus, if a checkpoint directory was given, that directory with the last checkpoint kept on cancellation.
         */
        public Configuration flinkConfiguration() {
            Configuration conf = TimeSeriesJob.recommendedConfiguration(checkpointInterval);
            if (checkpointDir != null) {
                conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir);
                conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
            }
            return conf;
        }

        /** Without the token, which goes to the log. */
        @Override
        public String toString() {
            return "Settings[bootstrapServers=" + bootstrapServers + ", telemetryTopic=" + telemetryTopic
                    + ", alarmsTopic=" + alarmsTopic + ", groupId=" + groupId + ", influxUrl=" + store.url()
                    + ", influxOrg=" + store.org() + ", influxBucket=" + store.bucket() + ", influxToken="
                    + (store.token().isEmpty() ? "none" : "given") + ", checkpointInterval=" + checkpointInterval
                    + ", checkpointDir=" + checkpointDir + "]";
        }
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parse(args);
        LOG.info("Starting {} with {}", TimeSeriesJob.JOB_NAME, settings);

        environmentWithJob(settings).execute(TimeSeriesJob.JOB_NAME);
    }

    /** The execution environment (of the cluster the main runs on) with the job built into it, not yet run. */
    static StreamExecutionEnvironment environmentWithJob(Settings settings) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                settings.flinkConfiguration());
        settings.job().buildPipeline(env);
        return env;
    }
}
