package io.tocsin.jobs.kafka;

import io.tocsin.jobs.commands.CommandResult;
import io.tocsin.jobs.registry.RegistryEntry;
import io.tocsin.jobs.routing.RoutedAlarm;
import java.util.Objects;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The Kafka ends of the alarm job: where telemetry comes from and where alarms go.
 *
 * <p>Extra client properties (security, timeouts ...) may be passed in; they override the defaults set here
 * but not the bootstrap servers, topics and group id given as arguments.
 */
public final class KafkaEndpoints {

    public static final String DEFAULT_TELEMETRY_TOPIC = "telemetry";
    public static final String DEFAULT_ALARMS_TOPIC = "alarms";
    public static final String DEFAULT_COMMANDS_TOPIC = "commands";
    public static final String DEFAULT_COMMAND_RESULTS_TOPIC = "command-results";
    /** Compacted: key site/<id> or "rules", see registry.proto. */
    public static final String DEFAULT_REGISTRY_TOPIC = "registry";
    /** The ingest servers' device status events: key site/device, value {@code DeviceStatus}. */
    public static final String DEFAULT_STATUS_TOPIC = "status";
    public static final String DEFAULT_GROUP_ID = "tocsin-alarm-job";

    private KafkaEndpoints() {
    }

    public static KafkaSource<byte[]> telemetrySource(String bootstrapServers, String topic, String groupId) {
        return telemetrySource(bootstrapServers, topic, groupId, new Properties());
    }

    /**
     * Reads the raw value of every telemetry record (tombstones are skipped).
     *
     * <p>Starts from the group's committed offsets, or from the earliest offset for a new group: telemetry
     * that arrived while no job ran is still evaluated. Offsets are committed on each completed checkpoint
     * (for monitoring lag; on restore Flink resumes from the checkpoint's own offsets).
     */
    public static KafkaSource<byte[]> telemetrySource(String bootstrapServers, String topic, String groupId,
            Properties extraConsumerProperties) {
        return source(bootstrapServers, topic, groupId, "", committedOrEarliest(), new TelemetryValueDeserializer(),
                extraConsumerProperties);
    }

    /**
     * Reads alarm commands (raw {@code AlarmCommandRequest} bytes), from the group's committed offsets or, for a
     * new group, the earliest: a command given while the job was down is still applied when it comes back.
     */
    public static KafkaSource<byte[]> commandSource(String bootstrapServers, String topic, String groupId,
            Properties extraConsumerProperties) {
        return source(bootstrapServers, topic, groupId, "-commands", committedOrEarliest(),
                new TelemetryValueDeserializer("command"), extraConsumerProperties);
    }

    public static KafkaSource<byte[]> commandSource(String bootstrapServers, String topic, String groupId) {
        return commandSource(bootstrapServers, topic, groupId, new Properties());
    }

    /**
     * Reads the compacted registry topic from its beginning: a new job must see every site. A restored job
     * resumes from its checkpoint's offsets, with the registry already in its broadcast state.
     */
    public static KafkaSource<RegistryEntry> registrySource(String bootstrapServers, String topic, String groupId) {
        return source(bootstrapServers, topic, groupId, "-registry", OffsetsInitializer.earliest(),
                new RegistryRecordDeserializer(), new Properties());
    }

    /**
     * Reads device status events (raw {@code DeviceStatus} bytes) from the group's committed offsets or, for a new
     * group, the earliest: a gateway that went offline while the job was down still raises its fault, and its
     * return is seen in order after it.
     */
    public static KafkaSource<byte[]> statusSource(String bootstrapServers, String topic, String groupId,
            Properties extraConsumerProperties) {
        return source(bootstrapServers, topic, groupId, "-status", committedOrEarliest(),
                new TelemetryValueDeserializer("status"), extraConsumerProperties);
    }

    public static KafkaSource<byte[]> statusSource(String bootstrapServers, String topic, String groupId) {
        return statusSource(bootstrapServers, topic, groupId, new Properties());
    }

    /** The alarms topic's raw {@code AlarmEvent} bytes, for the time-series job (its own consumer group). */
    public static KafkaSource<byte[]> alarmEventSource(String bootstrapServers, String topic, String groupId) {
        return source(bootstrapServers, topic, groupId, "-alarms", committedOrEarliest(),
                new TelemetryValueDeserializer("alarm"), new Properties());
    }

    /**
     * The set-up every source shares. Each reads in its own consumer group, {@code groupId + groupSuffix}, which
     * is also its client id prefix; the extra properties go in first so that the arguments override them.
     */
    private static <T> KafkaSource<T> source(String bootstrapServers, String topic, String groupId, String groupSuffix,
            OffsetsInitializer startingOffsets, KafkaRecordDeserializationSchema<T> deserializer,
            Properties extraConsumerProperties) {
        String group = Objects.requireNonNull(groupId, "groupId") + groupSuffix;
        return KafkaSource.<T>builder()
                .setProperties(copy(extraConsumerProperties))
                .setBootstrapServers(Objects.requireNonNull(bootstrapServers, "bootstrapServers"))
                .setTopics(Objects.requireNonNull(topic, "topic"))
                .setGroupId(group)
                .setClientIdPrefix(group)
                .setStartingOffsets(startingOffsets)
                .setDeserializer(deserializer)
                .build();
    }

    /** The group's committed offsets or, for a new group, the earliest. */
    @SuppressWarnings("deprecation") // OffsetResetStrategy: the connector's API still takes it (Kafka 4 deprecates it)
    private static OffsetsInitializer committedOrEarliest() {
        return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
    }

    /** Command results keyed by command id, AT_LEAST_ONCE like the alarms. */
    public static KafkaSink<CommandResult> commandResultSink(String bootstrapServers, String topic) {
        return KafkaSink.<CommandResult>builder()
                .setKafkaProducerConfig(producerProperties(new Properties()))
                .setBootstrapServers(Objects.requireNonNull(bootstrapServers, "bootstrapServers"))
                .setRecordSerializer(new CommandResultSerializer(topic))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }

    public static KafkaSink<RoutedAlarm> alarmSink(String bootstrapServers, String topic) {
        return alarmSink(bootstrapServers, topic, new Properties());
    }

    /**
     * Writes each transition as an {@code AlarmEvent} keyed by site id (see {@link AlarmRecordSerializer}).
     *
     * <p>AT_LEAST_ONCE: records are sent at once and flushed on every checkpoint; after a failure some are sent
     * again, with the same alarm ids, so consumers deduplicate by (alarm id, state). EXACTLY_ONCE would hold
     * every alarm back until the next checkpoint completes (seconds): too late for a fire alarm.
     */
    public static KafkaSink<RoutedAlarm> alarmSink(String bootstrapServers, String topic,
            Properties extraProducerProperties) {
        return KafkaSink.<RoutedAlarm>builder()
                .setKafkaProducerConfig(producerProperties(extraProducerProperties))
                .setBootstrapServers(Objects.requireNonNull(bootstrapServers, "bootstrapServers"))
                .setRecordSerializer(new AlarmRecordSerializer(topic))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }

    /**
     * Producer defaults, overridable by {@code extra}.
     * <ul>
     *   <li>linger.ms=0: Kafka 4 waits 5 ms by default to fill batches; an alarm must not wait.</li>
     *   <li>acks=all and idempotence (also Kafka's defaults, stated so nobody "tunes" them away): an alarm
     *       is only acknowledged once replicated, and retries neither duplicate nor reorder it.</li>
     * </ul>
     */
    static Properties producerProperties(Properties extra) {
        Properties props = new Properties();
        props.setProperty(ProducerConfig.LINGER_MS_CONFIG, "0");
        props.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        props.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.putAll(copy(extra));
        return props;
    }

    private static Properties copy(Properties properties) {
        Properties copy = new Properties();
        if (properties != null) {
            properties.stringPropertyNames().forEach(name -> copy.setProperty(name, properties.getProperty(name)));
        }
        return copy;
    }
}
