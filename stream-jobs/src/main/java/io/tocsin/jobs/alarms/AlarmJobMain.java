package io.tocsin.jobs.alarms;

import io.tocsin.jobs.escalation.EscalationPolicy;
import io.tocsin.jobs.gateways.GatewayFaultPolicy;
import io.tocsin.jobs.kafka.KafkaEndpoints;
import io.tocsin.jobs.registry.RegistryFileText;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the alarm job between two Kafka topics, e.g. on a Flink cluster in application mode:
 *
 * <pre>
 * --bootstrap-servers kafka:9092 --rules /etc/tocsin/rules.yaml [--registry /etc/tocsin/sites.yaml]
 *   [--telemetry-topic telemetry] [--alarms-topic alarms] [--group-id tocsin-alarm-job]
 *   [--commands-topic commands] [--command-results-topic command-results] [--registry-topic registry]
 *   [--status-topic status] [--gateway-offline-grace-ms 10000]
 *   [--control-room control-room] [--state-backend hashmap | rocksdb]
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
            RuleFileText rules, Duration checkpointInterval, String checkpointDir, String commandsTopic,
            String commandResultsTopic, String registryTopic, RegistryFileText registry, String controlRoomId,
            String stateBackend, String statusTopic, Duration gatewayOfflineGrace) {

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
                    params.get("checkpoint-dir"),
                    params.get("commands-topic", KafkaEndpoints.DEFAULT_COMMANDS_TOPIC),
                    params.get("command-results-topic", KafkaEndpoints.DEFAULT_COMMAND_RESULTS_TOPIC),
                    params.get("registry-topic", KafkaEndpoints.DEFAULT_REGISTRY_TOPIC),
                    params.has("registry") ? RegistryFileText.of(Path.of(params.get("registry")))
                            : RegistryFileText.empty(),
                    params.get("control-room", EscalationPolicy.DEFAULT_CONTROL_ROOM),
                    stateBackend(params.get("state-backend", "hashmap")),
                    params.get("status-topic", KafkaEndpoints.DEFAULT_STATUS_TOPIC),
                    gatewayOfflineGrace(params.getLong("gateway-offline-grace-ms",
                            GatewayFaultPolicy.DEFAULT.offlineGrace().toMillis())));
        }

        private static Duration gatewayOfflineGrace(long ms) {
            if (ms < 0) {
                throw new IllegalArgumentException("--gateway-offline-grace-ms " + ms + ": must be 0 or more");
            }
            return Duration.ofMillis(ms);
        }

        /** hashmap (state on the heap: fastest) or rocksdb (state on local disk: for state larger than memory). */
        private static String stateBackend(String name) {
            if (!name.equals("hashmap") && !name.equals("rocksdb")) {
                throw new IllegalArgumentException("--state-backend " + name + ": valid values are hashmap, rocksdb");
            }
            return name;
        }

        public AlarmJob.Options options() {
            EscalationPolicy p = EscalationPolicy.DEFAULT;
            return AlarmJob.Options.of(rules).withRegistry(registry).withEscalation(
                    new EscalationPolicy(p.redMs(), p.orangeMs(), p.yellowMs(), p.blueMs(), controlRoomId))
                    .withGatewayFaults(new GatewayFaultPolicy(GatewayFaultPolicy.DEFAULT.severity(),
                            gatewayOfflineGrace));
        }

        /**
         * {@link AlarmJob#recommendedConfiguration} plus, if a checkpoint directory was given, that directory
         * with the last checkpoint kept when the job is cancelled: a redeployment can then restore the
         * activation counts (new ids otherwise restart at activation 1).
         */
        public Configuration flinkConfiguration() {
            Configuration conf = AlarmJob.recommendedConfiguration(checkpointInterval);
            conf.set(StateBackendOptions.STATE_BACKEND, stateBackend);
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
        String kafka = settings.bootstrapServers();
        new AlarmJob(
                KafkaEndpoints.telemetrySource(kafka, settings.telemetryTopic(), settings.groupId()),
                KafkaEndpoints.commandSource(kafka, settings.commandsTopic(), settings.groupId()),
                KafkaEndpoints.registrySource(kafka, settings.registryTopic(), settings.groupId()),
                KafkaEndpoints.statusSource(kafka, settings.statusTopic(), settings.groupId()),
                KafkaEndpoints.alarmSink(kafka, settings.alarmsTopic()),
                KafkaEndpoints.commandResultSink(kafka, settings.commandResultsTopic()),
                settings.options())
                .buildPipeline(env);
        env.execute(AlarmJob.JOB_NAME);
    }
}
