package io.tocsin.jobs.alarms;

import io.tocsin.jobs.kafka.KafkaEndpoints;
import io.tocsin.rules.Severity;
import io.tocsin.rules.threshold.HighThresholdRule;
import java.time.Duration;
import java.util.Locale;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the alarm job between two Kafka topics, e.g. on a Flink cluster in application mode:
 *
 * <pre>
 * --bootstrap-servers kafka:9092 --threshold 25
 *   [--telemetry-topic telemetry] [--alarms-topic alarms] [--group-id tocsin-alarm-job]
 *   [--rule-id high-threshold] [--severity RED|ORANGE|YELLOW|BLUE] [--checkpoint-interval-ms 10000]
 *   [--checkpoint-dir file:///... | s3://...]
 * </pre>
 *
 * The threshold has no default on purpose: a made-up alarm limit must never reach production unnoticed.
 */
public final class AlarmJobMain {

    private static final Logger LOG = LoggerFactory.getLogger(AlarmJobMain.class);

    private AlarmJobMain() {
    }

    /** What the command line asks for. */
    public record Settings(String bootstrapServers, String telemetryTopic, String alarmsTopic, String groupId,
            HighThresholdRule rule, Duration checkpointInterval, String checkpointDir) {

        /** @throws IllegalArgumentException (or a RuntimeException of ParameterTool) for a bad command line */
        public static Settings parse(String... args) {
            ParameterTool params = ParameterTool.fromArgs(args);
            HighThresholdRule rule = new HighThresholdRule(
                    params.get("rule-id", "high-threshold"),
                    params.getDouble("threshold"),
                    Severity.valueOf(params.get("severity", Severity.RED.name()).toUpperCase(Locale.ROOT)));
            return new Settings(
                    params.getRequired("bootstrap-servers"),
                    params.get("telemetry-topic", KafkaEndpoints.DEFAULT_TELEMETRY_TOPIC),
                    params.get("alarms-topic", KafkaEndpoints.DEFAULT_ALARMS_TOPIC),
                    params.get("group-id", KafkaEndpoints.DEFAULT_GROUP_ID),
                    rule,
                    Duration.ofMillis(params.getLong("checkpoint-interval-ms", 10_000)),
                    params.get("checkpoint-dir"));
        }

        /**
         * {@link AlarmJob#recommendedConfiguration} plus, if a checkpoint directory was given, that directory
         * with the last checkpoint kept when the job is cancelled: a redeployment can then restore the
         * activation counts (new ids otherwise restart at activation 1).
         */
        public Configuration flinkConfiguration() {
            Configuration conf = AlarmJob.recommendedConfiguration(checkpointInterval);
            if (checkpointDir != null) {
                conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir);
                conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
            }
            return conf;
        }
    }

    public static void main(String[] args) throws Exception {
        Settings settings = Settings.parse(args);
        LOG.info("Starting {} with {}", AlarmJob.JOB_NAME, settings);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                settings.flinkConfiguration());
        new AlarmJob(
                KafkaEndpoints.telemetrySource(settings.bootstrapServers(), settings.telemetryTopic(),
                        settings.groupId()),
                KafkaEndpoints.alarmSink(settings.bootstrapServers(), settings.alarmsTopic()),
                settings.rule())
                .buildPipeline(env);
        env.execute(AlarmJob.JOB_NAME);
    }
}
