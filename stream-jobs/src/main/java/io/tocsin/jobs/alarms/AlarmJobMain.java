package io.tocsin.jobs.alarms;

import io.tocsin.jobs.kafka.KafkaEndpoints;
import java.nio.file.Path;
import java.time.Duration;
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
 * --bootstrap-servers kafka:9092 --rules /etc/tocsin/rules.yaml
 *   [--telemetry-topic telemetry] [--alarms-topic alarms] [--group-id tocsin-alarm-job]
 *   [--checkpoint-interval-ms 10000] [--checkpoint-dir file:///... | s3://...]
 * </pre>
 *
 * The rule file has no default on purpose: made-up alarm limits must never reach production unnoticed. It is
 * validated before the job is submitted (see alarm-rules' {@code rules/default-rules.yaml} for the format).
 */
public final class AlarmJobMain {

    private static final Logger LOG = LoggerFactory.getLogger(AlarmJobMain.class);

    private AlarmJobMain() {
    }

    /** What the command line asks for. */
    public record Settings(String bootstrapServers, String telemetryTopic, String alarmsTopic, String groupId,
            RuleFileText rules, Duration checkpointInterval, String checkpointDir) {

        /**
         * @throws IllegalArgumentException (or a RuntimeException of ParameterTool) for a bad command line;
         *                                  a RuleFileException (naming file, line and key) for a bad rule file
         */
        public static Settings parse(String... args) {
            ParameterTool params = ParameterTool.fromArgs(args);
            String bootstrapServers = params.getRequired("bootstrap-servers");
            RuleFileText rules = RuleFileText.of(Path.of(params.getRequired("rules")));
            return new Settings(
                    bootstrapServers,
                    params.get("telemetry-topic", KafkaEndpoints.DEFAULT_TELEMETRY_TOPIC),
                    params.get("alarms-topic", KafkaEndpoints.DEFAULT_ALARMS_TOPIC),
                    params.get("group-id", KafkaEndpoints.DEFAULT_GROUP_ID),
                    rules,
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
                settings.rules())
                .buildPipeline(env);
        env.execute(AlarmJob.JOB_NAME);
    }
}
