package io.tocsin.jobs.alarms;

import io.tocsin.jobs.telemetry.DecodeTelemetryBatch;
import io.tocsin.rules.AlarmTransition;
import java.time.Duration;
import java.util.Objects;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The alarm job: telemetry bytes in, alarm transitions out.
 *
 * <pre>
 * telemetry source (byte[]) -> DecodeTelemetryBatch -> keyBy(site/sensor) -> EvaluateAlarmRules -> alarm sink
 * </pre>
 *
 * Sources and sinks are injected (as in the Flink training exercises): production passes the Kafka ones from
 * {@code KafkaEndpoints}, tests a bounded source and a collecting sink, the standalone launcher Kafka ones
 * pointing at its embedded broker. Build it onto any environment with {@link #buildPipeline}; run it with
 * {@code env.execute} or {@code env.executeAsync}, after creating the environment with
 * {@link #recommendedConfiguration}.
 *
 * <p>Every operator has a fixed uid: Flink matches state in checkpoints and savepoints to operators by uid,
 * so the uids, the keyed state name and {@link #MAX_PARALLELISM} must never change once the job has run
 * in production.
 */
public final class AlarmJob {

    public static final String JOB_NAME = "tocsin-alarms";

    public static final String SOURCE_UID = "telemetry-source";
    public static final String DECODE_UID = "decode-telemetry-batch";
    /** Was "evaluate-high-threshold" in the walking skeleton, whose state is not compatible with the engine's. */
    public static final String EVALUATE_UID = "evaluate-alarm-rules";
    public static final String SINK_UID = "alarm-sink";

    /**
     * Longest time a record may wait in a network buffer before it is sent on. Flink's default is 100 ms,
     * which at low rates (one reading a second) would be added to every alarm. Measured here: 1 ms brings
     * alarm p99 through Kafka and Flink from 35–111 ms down to 9–12 ms (see shared/DEPENDENCIES.md).
     */
    public static final Duration BUFFER_TIMEOUT = Duration.ofMillis(1);

    /**
     * Number of key groups of the keyed state, i.e. the highest parallelism the job can ever be rescaled to.
     * Fixed because Flink derives it from the parallelism otherwise, and a different value makes existing
     * checkpoints unrestorable.
     */
    public static final int MAX_PARALLELISM = 128;

    private final Source<byte[], ?, ?> telemetrySource;
    private final Sink<AlarmTransition> alarmSink;
    private final RuleFileText rules;

    /**
     * @param telemetrySource serialized {@code TelemetryBatch} records; malformed ones are dropped, not fatal
     * @param alarmSink       receives every alarm transition, in order per sensor
     * @param rules           the rule file deciding every sensor's alarms (already validated)
     */
    public AlarmJob(Source<byte[], ?, ?> telemetrySource, Sink<AlarmTransition> alarmSink, RuleFileText rules) {
        this.telemetrySource = Objects.requireNonNull(telemetrySource, "telemetrySource");
        this.alarmSink = Objects.requireNonNull(alarmSink, "alarmSink");
        this.rules = Objects.requireNonNull(rules, "rules");
    }

    /** Adds the alarm pipeline to {@code env}; nothing runs until the caller executes the environment. */
    public DataStreamSink<AlarmTransition> buildPipeline(StreamExecutionEnvironment env) {
        long bufferTimeoutMs = BUFFER_TIMEOUT.toMillis();
        // Watermarks: none. The rules work per reading on the sensor's own clock; time-driven decisions
        // (silence, delays) run on processing-time timers, see EvaluateAlarmRules.
        // The buffer timeout is also set per operator so the latency bound holds whatever the environment's
        // default is (a launcher may forget recommendedConfiguration()).
        return env.fromSource(telemetrySource, WatermarkStrategy.noWatermarks(), "Telemetry source",
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                .uid(SOURCE_UID)
                .setBufferTimeout(bufferTimeoutMs)
                .flatMap(new DecodeTelemetryBatch())
                .uid(DECODE_UID).name("Decode telemetry batch")
                .setBufferTimeout(bufferTimeoutMs)
                .keyBy(new SiteSensorKey())
                .process(new EvaluateAlarmRules(rules))
                .uid(EVALUATE_UID).name("Evaluate alarm rules")
                .setMaxParallelism(MAX_PARALLELISM)
                .setBufferTimeout(bufferTimeoutMs)
                .sinkTo(alarmSink)
                .uid(SINK_UID).name("Alarm sink");
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
     *   <li>{@link #BUFFER_TIMEOUT} as the default for every operator.</li>
     *   <li>No Kryo fallback: a type Flink cannot serialise as a POJO fails at submission, not silently slower
     *       and without schema evolution.</li>
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
        return conf;
    }
}
