package io.tocsin.jobs.alarms;

import io.tocsin.jobs.commands.CommandResult;
import io.tocsin.jobs.commands.DecodeAlarmCommand;
import io.tocsin.jobs.commands.MergeSensorWideResults;
import io.tocsin.jobs.escalation.EscalateUnacknowledged;
import io.tocsin.jobs.escalation.EscalationPolicy;
import io.tocsin.jobs.events.FieldEventInput;
import io.tocsin.jobs.events.RaiseFieldEventAlarms;
import io.tocsin.jobs.gateways.DecodeDeviceStatus;
import io.tocsin.jobs.gateways.GatewayFaultPolicy;
import io.tocsin.jobs.gateways.GatewayInput;
import io.tocsin.jobs.gateways.RaiseGatewayFaults;
import io.tocsin.jobs.registry.RegistryEntry;
import io.tocsin.jobs.registry.RegistryFileText;
import io.tocsin.jobs.registry.RegistryView;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.jobs.telemetry.DecodeTelemetryAndEvents;
import io.tocsin.jobs.zones.VoteInZone;
import io.tocsin.jobs.zones.ZoneInput;
import java.time.Duration;
import java.util.Objects;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The alarm job: telemetry and commands in; routed alarm transitions, escalations and command results out.
 *
 * <pre>
 * telemetry (byte[]) -> DecodeTelemetryAndEvents -> event time +   (one record per gateway batch)
 *                                                               +-> keyBy(site) -> EvaluateAlarmRules -------+--> alarm sink
 * commands (byte[])  -> DecodeAlarmCommand --------------------+        |  member votes, zone commands         |
 *                                                                       +-> keyBy(site/zone) -> VoteInZone ----+
 * registry (compacted topic) = broadcast to the five keyed stages       |                                     |
 * status (byte[]) -> DecodeDeviceStatus ---------------------------------+-> keyBy(site/device) ->            |
 *                    + commands on gateway faults                        |   RaiseGatewayFaults --------------+
 *                                                                       |   every alarm -> keyBy(alarm id) ->  |
 *                                                                       |   EscalateUnacknowledged ------------+
 * field events (side output of the decoder, unit event:*)               |                                     |
 *                    + commands on event-* alarms -----------------------+-> keyBy(site) ->                    |
 *                                                                       |   RaiseFieldEventAlarms ------------+
 *                                               command results <-------+ (side outputs)
 *   sensor-wide suppress/unsuppress: to EvaluateAlarmRules AND RaiseFieldEventAlarms; their two answers ->
 *   keyBy(command id) -> MergeSensorWideResults -> one command result
 * </pre>
 *
 * Sources and sinks are injected (as in the Flink training exercises): production passes the Kafka ones from
 * {@code KafkaEndpoints}, tests bounded sources and collecting sinks, the standalone launcher Kafka ones pointing
 * at its embedded broker. Build it onto any environment with {@link #buildPipeline}; run it with
 * {@code env.execute} or {@code env.executeAsync}, after creating the environment with
 * {@link #recommendedConfiguration}.
 *
 * <p>The rules stage is keyed by site, and a gateway's batch (its readings that are not field events; one site)
 * crosses the keyed exchange as one {@link SensorInput}, commands keyed by their site: keyed by sensor, the key
 * string, its hash and key group, the record's serialisation and a set-up look-up per reading were over a third
 * of the job's time (docs/benchmarks.md, issue 6). Each sensor's state is an entry of its site's map state, and each site has one
 * timer for the deadlines of its sensors ({@link EvaluateAlarmRules}).
 *
 * <p>Every operator has a fixed uid: Flink matches state in checkpoints and savepoints to operators by uid,
 * so the uids, the keyed state names and {@link #MAX_PARALLELISM} must never change once the job has run
 * in production.
 */
public final class AlarmJob {

    public static final String JOB_NAME = "tocsin-alarms";

    public static final String SOURCE_UID = "telemetry-source";
    public static final String DECODE_UID = "decode-telemetry-batch";
    public static final String READING_TIME_UID = "reading-event-time";
    public static final String COMMAND_SOURCE_UID = "command-source";
    public static final String DECODE_COMMAND_UID = "decode-alarm-command";
    public static final String REGISTRY_SOURCE_UID = "registry-source";
    /**
     * Keyed by site since issue 6. Was "evaluate-alarm-rules" while keyed by site/sensor and
     * "evaluate-high-threshold" in the walking skeleton; neither's state is compatible with this one's (a
     * savepoint of them needs --allowNonRestoredState, and the sensors start from scratch).
     */
    public static final String EVALUATE_UID = "evaluate-alarm-rules-by-site";
    public static final String ZONE_UID = "vote-in-zone";
    public static final String ESCALATE_UID = "escalate-unacknowledged";
    public static final String STATUS_SOURCE_UID = "status-source";
    public static final String DECODE_STATUS_UID = "decode-device-status";
    public static final String GATEWAY_UID = "raise-gateway-faults";
    public static final String FIELD_EVENT_UID = "raise-field-event-alarms";
    public static final String SINK_UID = "alarm-sink";
    public static final String COMMAND_RESULT_SINK_UID = "command-result-sink";
    public static final String MERGE_COMMAND_RESULTS_UID = "merge-sensor-wide-command-results";

    /**
     * Longest time a reading may wait in a network buffer on its way to the rules (the job's one busy edge).
     * Flink's default is 100 ms, which at low rates (one reading a second) would be added to every alarm.
     * Measured here: 1 ms brings alarm p99 through Kafka and Flink from 35–111 ms down to 9–12 ms (see
     * shared/DEPENDENCIES.md). At high rates buffers fill before the timeout.
     */
    public static final Duration BUFFER_TIMEOUT = Duration.ofMillis(1);

    /**
     * Buffer timeout of every other edge (alarms, zone votes, commands, registry, status, field events): zero,
     * a flush per record. They carry a few records a second at most, so a flush each costs nothing, whereas a
     * timeout above zero starts a flusher thread per edge that wakes every millisecond whether or not anything
     * was written: nine of them took about a third of a core at 50,000 readings/s on a 2-core machine.
     */
    public static final Duration EVENT_BUFFER_TIMEOUT = Duration.ZERO;

    /**
     * Number of key groups of the keyed state, i.e. the highest parallelism the job can ever be rescaled to.
     * Fixed because Flink derives it from the parallelism otherwise, and a different value makes existing
     * checkpoints unrestorable.
     */
    public static final int MAX_PARALLELISM = 128;

    /**
     * What decides and routes alarms, and how event time is tracked.
     *
     * @param rules             the rule file at start (already validated); the registry topic may replace it
     * @param registry          the site registry at start; the registry topic adds to and replaces its sites
     * @param escalation        escalation times per severity and the control room
     * @param maxOutOfOrderness how far readings may arrive out of order before they count as late
     * @param idleTimeout       a partition (or the command or registry stream) quiet this long no longer holds
     *                          event time back
     * @param zoneWarmUp        how long a zone waits for all its detectors' first reports before it votes
     * @param gatewayFaults     severity and offline grace of gateway faults (used with a status source)
     */
    public record Options(RuleFileText rules, RegistryFileText registry, EscalationPolicy escalation,
            Duration maxOutOfOrderness, Duration idleTimeout, Duration zoneWarmUp, GatewayFaultPolicy gatewayFaults)
            implements java.io.Serializable {

        public Options {
            Objects.requireNonNull(rules, "rules");
            Objects.requireNonNull(registry, "registry");
            Objects.requireNonNull(escalation, "escalation");
            Objects.requireNonNull(maxOutOfOrderness, "maxOutOfOrderness");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            Objects.requireNonNull(zoneWarmUp, "zoneWarmUp");
            Objects.requireNonNull(gatewayFaults, "gatewayFaults");
        }

        /**
         * No registry, default escalation, 5 s out of order, 30 s idleness, 2 min zone warm-up, gateway faults
         * YELLOW after 10 s offline ({@link GatewayFaultPolicy#DEFAULT}).
         */
        public static Options of(RuleFileText rules) {
            return new Options(rules, RegistryFileText.empty(), EscalationPolicy.DEFAULT, Duration.ofSeconds(5),
                    Duration.ofSeconds(30), VoteInZone.DEFAULT_WARM_UP, GatewayFaultPolicy.DEFAULT);
        }

        public Options withRegistry(RegistryFileText registry) {
            return new Options(rules, registry, escalation, maxOutOfOrderness, idleTimeout, zoneWarmUp, gatewayFaults);
        }

        public Options withEscalation(EscalationPolicy escalation) {
            return new Options(rules, registry, escalation, maxOutOfOrderness, idleTimeout, zoneWarmUp, gatewayFaults);
        }

        public Options withEventTime(Duration maxOutOfOrderness, Duration idleTimeout) {
            return new Options(rules, registry, escalation, maxOutOfOrderness, idleTimeout, zoneWarmUp, gatewayFaults);
        }

        public Options withZoneWarmUp(Duration zoneWarmUp) {
            return new Options(rules, registry, escalation, maxOutOfOrderness, idleTimeout, zoneWarmUp, gatewayFaults);
        }

        public Options withGatewayFaults(GatewayFaultPolicy gatewayFaults) {
            return new Options(rules, registry, escalation, maxOutOfOrderness, idleTimeout, zoneWarmUp, gatewayFaults);
        }
    }

    private final Source<byte[], ?, ?> telemetrySource;
    private final Source<byte[], ?, ?> commandSource;
    private final Source<RegistryEntry, ?, ?> registrySource;
    private final Source<byte[], ?, ?> statusSource;
    private final Sink<RoutedAlarm> alarmSink;
    private final Sink<CommandResult> commandResultSink;
    private final Options options;

    /** Telemetry only: no commands, no registry topic (the rules file alone; every alarm to the control room). */
    public AlarmJob(Source<byte[], ?, ?> telemetrySource, Sink<RoutedAlarm> alarmSink, RuleFileText rules) {
        this(telemetrySource, null, null, null, alarmSink, null, Options.of(rules));
    }

    /** Without a status source: no gateway faults (see the full constructor). */
    public AlarmJob(Source<byte[], ?, ?> telemetrySource, Source<byte[], ?, ?> commandSource,
            Source<RegistryEntry, ?, ?> registrySource, Sink<RoutedAlarm> alarmSink,
            Sink<CommandResult> commandResultSink, Options options) {
        this(telemetrySource, commandSource, registrySource, null, alarmSink, commandResultSink, options);
    }

    /**
     * @param telemetrySource   serialized {@code TelemetryBatch} records; malformed ones are dropped, not fatal
     * @param commandSource     serialized {@code AlarmCommandRequest} records; null for none
     * @param registrySource    the registry topic's records; null to use {@code options}' files only
     * @param statusSource      serialized {@code DeviceStatus} records of the ingest servers; gateways that go
     *                          offline raise gateway faults. Null for none
     * @param alarmSink         every alarm transition (in order per alarm) and every escalation
     * @param commandResultSink every command's result; null to only log and count refusals
     */
    public AlarmJob(Source<byte[], ?, ?> telemetrySource, Source<byte[], ?, ?> commandSource,
            Source<RegistryEntry, ?, ?> registrySource, Source<byte[], ?, ?> statusSource, Sink<RoutedAlarm> alarmSink,
            Sink<CommandResult> commandResultSink, Options options) {
        this.statusSource = statusSource;
        this.telemetrySource = Objects.requireNonNull(telemetrySource, "telemetrySource");
        this.commandSource = commandSource;
        this.registrySource = registrySource;
        this.alarmSink = Objects.requireNonNull(alarmSink, "alarmSink");
        this.commandResultSink = commandResultSink;
        this.options = Objects.requireNonNull(options, "options");
    }

    /** Adds the alarm pipeline to {@code env}; nothing runs until the caller executes the environment. */
    public DataStreamSink<RoutedAlarm> buildPipeline(StreamExecutionEnvironment env) {
        long bufferTimeoutMs = EVENT_BUFFER_TIMEOUT.toMillis();
        // The buffer timeout is set per operator so the latency bound holds whatever the environment's
        // default is (a launcher may forget recommendedConfiguration()): readings' edge BUFFER_TIMEOUT, the
        // rest EVENT_BUFFER_TIMEOUT.
        // Field events (unit event:*) leave the decoder on a side output, for their own stage.
        // The rest of a batch goes on as one record (SensorInput), keyed by its site.
        SingleOutputStreamOperator<SensorInput> decoded = env.fromSource(telemetrySource,
                        WatermarkStrategy.noWatermarks(), "Telemetry source",
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                .uid(SOURCE_UID)
                .setBufferTimeout(bufferTimeoutMs)
                .process(new DecodeTelemetryAndEvents(), TypeInformation.of(SensorInput.class))
                .uid(DECODE_UID).name("Decode telemetry batch")
                .setBufferTimeout(bufferTimeoutMs);
        DataStream<SensorInput> inputs = decoded
                .assignTimestampsAndWatermarks(readingTime())
                .uid(READING_TIME_UID).name("Reading event time")
                .setBufferTimeout(BUFFER_TIMEOUT.toMillis());

        SingleOutputStreamOperator<SensorInput> commands = null;
        if (commandSource != null) {
            commands = env.fromSource(commandSource, WatermarkStrategy.noWatermarks(), "Command source",
                            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                    .uid(COMMAND_SOURCE_UID)
                    .setBufferTimeout(bufferTimeoutMs)
                    .process(new DecodeAlarmCommand(statusSource != null), TypeInformation.of(SensorInput.class))
                    .uid(DECODE_COMMAND_UID).name("Decode alarm command")
                    .setBufferTimeout(bufferTimeoutMs);
            inputs = inputs.union(commands.assignTimestampsAndWatermarks(commandTime())
                    .uid("command-event-time").name("Command event time")
                    .setBufferTimeout(bufferTimeoutMs));
        }

        BroadcastStream<RegistryEntry> registry = registryStream(env).broadcast(RegistryView.STATE);

        SingleOutputStreamOperator<RoutedAlarm> sensorAlarms = inputs
                .keyBy(SensorInput::siteId, Types.STRING)
                .connect(registry)
                .process(new EvaluateAlarmRules(options.rules(), options.registry(),
                        options.escalation().controlRoomId()), TypeInformation.of(RoutedAlarm.class))
                .uid(EVALUATE_UID).name("Evaluate alarm rules")
                .setMaxParallelism(MAX_PARALLELISM)
                .setBufferTimeout(bufferTimeoutMs);

        SingleOutputStreamOperator<RoutedAlarm> zoneAlarms = sensorAlarms.getSideOutput(EvaluateAlarmRules.ZONE_INPUTS)
                .keyBy(ZoneInput::key, Types.STRING)
                .connect(registry)
                .process(new VoteInZone(options.rules(), options.registry(), options.escalation().controlRoomId(),
                        options.zoneWarmUp()), TypeInformation.of(RoutedAlarm.class))
                .uid(ZONE_UID).name("Vote in zone")
                .setMaxParallelism(MAX_PARALLELISM)
                .setBufferTimeout(bufferTimeoutMs);

        SingleOutputStreamOperator<RoutedAlarm> fieldEventAlarms = fieldEventAlarms(decoded, commands, registry);
        DataStream<RoutedAlarm> alarms = sensorAlarms.union(zoneAlarms, fieldEventAlarms);
        SingleOutputStreamOperator<RoutedAlarm> gatewayFaults = null;
        if (statusSource != null) {
            gatewayFaults = gatewayFaults(env, commands, registry);
            alarms = alarms.union(gatewayFaults);
        }
        DataStream<RoutedAlarm> escalations = alarms
                .keyBy(RoutedAlarm::alarmId, Types.STRING)
                .connect(registry)
                .process(new EscalateUnacknowledged(options.rules(), options.registry(), options.escalation()),
                        TypeInformation.of(RoutedAlarm.class))
                .uid(ESCALATE_UID).name("Escalate unacknowledged alarms")
                .setMaxParallelism(MAX_PARALLELISM)
                .setBufferTimeout(bufferTimeoutMs);

        if (commandResultSink != null) {
            DataStream<CommandResult> results = sensorAlarms.getSideOutput(EvaluateAlarmRules.COMMAND_RESULTS)
                    .union(zoneAlarms.getSideOutput(EvaluateAlarmRules.COMMAND_RESULTS),
                            fieldEventAlarms.getSideOutput(EvaluateAlarmRules.COMMAND_RESULTS));
            if (commands != null) {
                results = results.union(commands.getSideOutput(EvaluateAlarmRules.COMMAND_RESULTS),
                        sensorWideResults(sensorAlarms, zoneAlarms, fieldEventAlarms));
            }
            if (gatewayFaults != null) {
                results = results.union(gatewayFaults.getSideOutput(EvaluateAlarmRules.COMMAND_RESULTS));
            }
            results.sinkTo(commandResultSink).uid(COMMAND_RESULT_SINK_UID).name("Command result sink");
        }

        return alarms.union(escalations)
                .sinkTo(alarmSink)
                .uid(SINK_UID).name("Alarm sink");
    }

    /**
     * Field events (and the commands on their alarms) keyed by site into {@link RaiseFieldEventAlarms}. No
     * watermarks: the stage decides on the events' own times and processing-time timers.
     */
    private SingleOutputStreamOperator<RoutedAlarm> fieldEventAlarms(SingleOutputStreamOperator<SensorInput> decoded,
            SingleOutputStreamOperator<SensorInput> commands, BroadcastStream<RegistryEntry> registry) {
        DataStream<FieldEventInput> inputs = decoded.getSideOutput(DecodeTelemetryAndEvents.FIELD_EVENTS);
        if (commands != null) {
            inputs = inputs.union(commands.getSideOutput(DecodeAlarmCommand.FIELD_EVENT_COMMANDS));
        }
        return inputs
                .keyBy(FieldEventInput::key, Types.STRING)
                .connect(registry)
                .process(new RaiseFieldEventAlarms(options.rules(), options.registry(),
                        options.escalation().controlRoomId()), TypeInformation.of(RoutedAlarm.class))
                .uid(FIELD_EVENT_UID).name("Raise field event alarms")
                .setMaxParallelism(MAX_PARALLELISM)
                .setBufferTimeout(EVENT_BUFFER_TIMEOUT.toMillis());
    }

    /**
     * One result per sensor-wide suppress or unsuppress, which the sensor stage (or the zone stage behind it) and the
     * field event stage each answer with a part: merged by command id in {@link MergeSensorWideResults}.
     */
    private static DataStream<CommandResult> sensorWideResults(SingleOutputStreamOperator<RoutedAlarm> sensorAlarms,
            SingleOutputStreamOperator<RoutedAlarm> zoneAlarms, SingleOutputStreamOperator<RoutedAlarm> fieldEventAlarms) {
        DataStream<CommandResult> ruleParts = sensorAlarms.getSideOutput(MergeSensorWideResults.PARTS)
                .union(zoneAlarms.getSideOutput(MergeSensorWideResults.PARTS));
        DataStream<CommandResult> fieldEventParts = fieldEventAlarms.getSideOutput(MergeSensorWideResults.PARTS);
        return ruleParts.keyBy(MergeSensorWideResults::keyOf, Types.STRING)
                .connect(fieldEventParts.keyBy(MergeSensorWideResults::keyOf, Types.STRING))
                .process(new MergeSensorWideResults(), TypeInformation.of(CommandResult.class))
                .uid(MERGE_COMMAND_RESULTS_UID).name("Merge sensor-wide command results")
                .setMaxParallelism(MAX_PARALLELISM)
                .setBufferTimeout(EVENT_BUFFER_TIMEOUT.toMillis());
    }

    /**
     * Status events (and the commands on gateway faults) keyed by site/device into {@link RaiseGatewayFaults}.
     * No watermarks: the stage decides on the status events' own times and processing-time timers.
     */
    private SingleOutputStreamOperator<RoutedAlarm> gatewayFaults(StreamExecutionEnvironment env,
            SingleOutputStreamOperator<SensorInput> commands, BroadcastStream<RegistryEntry> registry) {
        long bufferTimeoutMs = EVENT_BUFFER_TIMEOUT.toMillis();
        DataStream<GatewayInput> inputs = env.fromSource(statusSource, WatermarkStrategy.noWatermarks(),
                        "Status source", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                .uid(STATUS_SOURCE_UID)
                .setBufferTimeout(bufferTimeoutMs)
                .process(new DecodeDeviceStatus(), TypeInformation.of(GatewayInput.class))
                .uid(DECODE_STATUS_UID).name("Decode device status")
                .setBufferTimeout(bufferTimeoutMs);
        if (commands != null) {
            inputs = inputs.union(commands.getSideOutput(DecodeAlarmCommand.GATEWAY_COMMANDS));
        }
        return inputs
                .keyBy(GatewayInput::key, Types.STRING)
                .connect(registry)
                .process(new RaiseGatewayFaults(options.rules(), options.registry(),
                        options.escalation().controlRoomId(), options.gatewayFaults()),
                        TypeInformation.of(RoutedAlarm.class))
                .uid(GATEWAY_UID).name("Raise gateway faults")
                .setMaxParallelism(MAX_PARALLELISM)
                .setBufferTimeout(bufferTimeoutMs);
    }

    /**
     * Event time of readings: their own timestamps, bounded out of order; an idle stream (a quiet partition, a
     * site without gateways online) does not hold the watermark back. A batch's record carries its newest
     * reading's time, so the watermark (the newest time seen, less the bound) is the one the readings one by one
     * gave. Alarms do not wait for watermarks (they are decided per reading); the watermark tells which readings
     * are late, for the count (per reading, in the rules stage).
     */
    private WatermarkStrategy<SensorInput> readingTime() {
        return WatermarkStrategy.<SensorInput>forBoundedOutOfOrderness(options.maxOutOfOrderness())
                .withTimestampAssigner((input, recordTime) -> input.timestampMs())
                .withIdleness(options.idleTimeout());
    }

    /** Commands are rare: idle most of the time, so they never hold the readings' event time back. */
    private WatermarkStrategy<SensorInput> commandTime() {
        return WatermarkStrategy.<SensorInput>forBoundedOutOfOrderness(options.maxOutOfOrderness())
                .withTimestampAssigner((input, recordTime) -> input.command().atMs())
                .withIdleness(options.idleTimeout());
    }

    /** The registry topic, or (without one) an empty stream: the start-up files then decide alone. */
    private DataStream<RegistryEntry> registryStream(StreamExecutionEnvironment env) {
        if (registrySource == null) {
            // A stream of no records that finishes at once (fromData refuses an empty collection, and a generator
            // of 0 records still calls its function once: hence the null and the filter).
            return env.fromSource(new DataGeneratorSource<>(index -> null, 1, TypeInformation.of(RegistryEntry.class)),
                            WatermarkStrategy.noWatermarks(), "No registry topic")
                    .uid(REGISTRY_SOURCE_UID)
                    .filter(Objects::nonNull)
                    .uid("no-registry-filter").name("No registry records")
                    .setBufferTimeout(EVENT_BUFFER_TIMEOUT.toMillis());
        }
        return env.fromSource(registrySource, WatermarkStrategy.<RegistryEntry>forMonotonousTimestamps()
                        .withIdleness(options.idleTimeout()), "Registry source", TypeInformation.of(RegistryEntry.class))
                .uid(REGISTRY_SOURCE_UID)
                .setBufferTimeout(EVENT_BUFFER_TIMEOUT.toMillis());
    }

    /**
     * The settings this job is meant to run with; pass them when creating the environment, e.g.
     * {@code StreamExecutionEnvironment.getExecutionEnvironment(recommendedConfiguration(Duration.ofSeconds(10)))}.
     *
     * <ul>
     *   <li>Checkpoints every {@code checkpointInterval}, EXACTLY_ONCE (aligned). Not AT_LEAST_ONCE: then the
     *       state could already include readings that are replayed after a restore, and a replayed
     *       crossing after a recorded return would raise a new activation with a new id, a duplicate that
     *       downstream cannot recognise. Output stays at-least-once (the sink), with stable ids.</li>
     *   <li>A few failed checkpoints in a row are tolerated: a slow checkpoint must not restart the job and
     *       interrupt alarms.</li>
     *   <li>Restarts forever with a short exponential back-off: giving up would mean no alarms at all;
     *       operators watch the restart count instead.</li>
     *   <li>{@link #BUFFER_TIMEOUT} as the default for every operator (the job sets its own per operator).</li>
     *   <li>No Kryo fallback: a type Flink cannot serialise as a POJO fails at submission, not silently slower
     *       and without schema evolution.</li>
     *   <li>Object reuse: chained operators hand records on without a deep copy each (a copy per reading and
     *       operator was a tenth of the job's time). Safe because every record type of the job is an immutable
     *       Java record and no function changes its input.</li>
     * </ul>
     * The checkpoint storage directory is the cluster's business ({@code execution.checkpointing.dir});
     * without one, checkpoints are kept in JobManager memory only.
     */
    public static Configuration recommendedConfiguration(Duration checkpointInterval) {
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
        conf.set(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE, CheckpointingMode.EXACTLY_ONCE);
        conf.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, 5);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "exponential-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, Duration.ofMillis(100));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF, Duration.ofSeconds(10));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER, 2.0);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD,
                Duration.ofMinutes(1));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS, Integer.MAX_VALUE);
        conf.set(ExecutionOptions.BUFFER_TIMEOUT, BUFFER_TIMEOUT);
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        conf.set(PipelineOptions.OBJECT_REUSE, true);
        return conf;
    }
}
