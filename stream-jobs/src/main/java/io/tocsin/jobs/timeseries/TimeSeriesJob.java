package io.tocsin.jobs.timeseries;

import io.tocsin.jobs.alarms.AlarmJob;
import io.tocsin.jobs.kafka.KafkaEndpoints;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.jobs.telemetry.DecodeTelemetryBatch;
import java.time.Duration;
import io.tocsin.rules.SensorReading;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;

/**
 * The time-series job: every reading from the telemetry topic into the time-series store, with one-minute rollups
 * per sensor, and every alarm event from the alarms topic.
 *
 * <pre>
 * telemetry source (byte[]) -> DecodeTelemetryBatch -+-> readings sink (InfluxDB write API)
 *                                                    +-> event time -> keyBy(site/sensor) -> 1 min windows
 *                                                        (min/max/mean/last) -> rollups sink
 * alarms source (byte[]) -> DecodeAlarmEvent -> alarm events sink
 * </pre>
 *
 * A job of its own, beside the alarm job and with its own consumer group: when the store is slow or down this
 * job is back-pressured and falls behind in Kafka, while alarms go on at full speed.
 */
public final class TimeSeriesJob {

    public static final String JOB_NAME = "tocsin-time-series";
    public static final String DEFAULT_GROUP_ID = "tocsin-time-series-job";

    public static final String SOURCE_UID = "ts-telemetry-source";
    public static final String DECODE_UID = "ts-decode-telemetry-batch";
    public static final String SINK_UID = "ts-readings-sink";
    public static final String READING_TIME_UID = "ts-reading-event-time";
    public static final String ROLLUP_UID = "ts-rollup-1m";
    public static final String ROLLUP_SINK_UID = "ts-rollups-sink";
    public static final String ALARM_SOURCE_UID = "ts-alarm-source";
    public static final String DECODE_ALARM_UID = "ts-decode-alarm-event";
    public static final String ALARM_SINK_UID = "ts-alarm-events-sink";

    /** Readings may arrive this much out of order and still fall into their minute at once. */
    public static final Duration MAX_OUT_OF_ORDERNESS = Duration.ofSeconds(5);
    /** A later reading still updates its minute (the store overwrites the point); after that it is dropped. */
    public static final Duration ALLOWED_LATENESS = Duration.ofMinutes(2);
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Buffer timeout of this job's network edges: Flink's default. A reading stored 100 ms later changes nothing
     * for a control room, while the alarm job's 1 ms would start flusher threads here that wake every millisecond
     * and take CPU from the alarms on a small machine.
     */
    public static final Duration BUFFER_TIMEOUT = Duration.ofMillis(100);

    /**
     * Fetch at least 64 KiB or wait up to 200 ms: this job is not on the alarm path, and on a busy broker every
     * consumer that fetches as soon as one record is there sends a fetch request per produce request.
     */
    static final int FETCH_MIN_BYTES = 64 * 1024;
    static final int FETCH_MAX_WAIT_MS = 200;

    private final Source<byte[], ?, ?> telemetrySource;
    private final Sink<SensorReading> readingsSink;
    private final Sink<ReadingRollup> rollupSink;
    private final Source<byte[], ?, ?> alarmSource;
    private final Sink<RoutedAlarm> alarmEventSink;

    /**
     * The job as every launcher runs it: telemetry and alarms from Kafka; readings, one-minute rollups and alarm
     * events to an InfluxDB-API store.
     */
    public static TimeSeriesJob onKafka(String bootstrapServers, String telemetryTopic, String alarmsTopic,
            InfluxDbSettings store) {
        return onKafka(bootstrapServers, telemetryTopic, alarmsTopic, DEFAULT_GROUP_ID, store);
    }

    /** As {@link #onKafka(String, String, String, InfluxDbSettings)}, in consumer group {@code groupId}. */
    public static TimeSeriesJob onKafka(String bootstrapServers, String telemetryTopic, String alarmsTopic,
            String groupId, InfluxDbSettings store) {
        Properties telemetryConsumer = new Properties();
        telemetryConsumer.setProperty(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, String.valueOf(FETCH_MIN_BYTES));
        telemetryConsumer.setProperty(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, String.valueOf(FETCH_MAX_WAIT_MS));
        return new TimeSeriesJob(
                KafkaEndpoints.telemetrySource(bootstrapServers, telemetryTopic, groupId, telemetryConsumer),
                new InfluxDbSink<>(store, new ReadingLines()),
                new InfluxDbSink<>(store, new RollupLines()),
                KafkaEndpoints.alarmEventSource(bootstrapServers, alarmsTopic, groupId),
                new InfluxDbSink<>(store, new AlarmEventLines()));
    }

    /**
     * The alarm job's settings ({@link AlarmJob#recommendedConfiguration}: checkpoints, restarts, no Kryo, object
     * reuse) with this job's {@link #BUFFER_TIMEOUT}.
     */
    public static Configuration recommendedConfiguration(Duration checkpointInterval) {
        Configuration conf = AlarmJob.recommendedConfiguration(checkpointInterval);
        conf.set(ExecutionOptions.BUFFER_TIMEOUT, BUFFER_TIMEOUT);
        return conf;
    }

    /** Readings only. */
    public TimeSeriesJob(Source<byte[], ?, ?> telemetrySource, Sink<SensorReading> readingsSink) {
        this(telemetrySource, readingsSink, null, null, null);
    }

    /**
     * @param rollupSink     one-minute rollups ({@link RollupLines}); null for none
     * @param alarmSource    the alarms topic; null for none (then alarmEventSink is unused)
     * @param alarmEventSink alarm events ({@link AlarmEventLines})
     */
    public TimeSeriesJob(Source<byte[], ?, ?> telemetrySource, Sink<SensorReading> readingsSink,
            Sink<ReadingRollup> rollupSink, Source<byte[], ?, ?> alarmSource, Sink<RoutedAlarm> alarmEventSink) {
        this.telemetrySource = Objects.requireNonNull(telemetrySource, "telemetrySource");
        this.readingsSink = Objects.requireNonNull(readingsSink, "readingsSink");
        this.rollupSink = rollupSink;
        this.alarmSource = alarmSource;
        this.alarmEventSink = alarmSource == null ? null : Objects.requireNonNull(alarmEventSink, "alarmEventSink");
    }

    /** Adds the pipeline to {@code env}; nothing runs until the caller executes the environment. */
    public DataStreamSink<SensorReading> buildPipeline(StreamExecutionEnvironment env) {
        DataStream<SensorReading> readings = env.fromSource(telemetrySource, WatermarkStrategy.noWatermarks(),
                        "Telemetry source", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                .uid(SOURCE_UID)
                .flatMap(new DecodeTelemetryBatch())
                .uid(DECODE_UID).name("Decode telemetry batch");
        if (rollupSink != null) {
            readings.assignTimestampsAndWatermarks(WatermarkStrategy
                            .<SensorReading>forBoundedOutOfOrderness(MAX_OUT_OF_ORDERNESS)
                            .withTimestampAssigner((r, recordTime) -> r.timestampMs())
                            .withIdleness(IDLE_TIMEOUT))
                    .uid(READING_TIME_UID).name("Reading event time")
                    .keyBy(r -> r.siteId() + "/" + r.sensorId(), Types.STRING)
                    .window(TumblingEventTimeWindows.of(Duration.ofMinutes(1)))
                    .allowedLateness(ALLOWED_LATENESS)
                    .aggregate(new RollUpReadings(), new RollupWindow(), TypeInformation.of(RollupAccumulator.class),
                            TypeInformation.of(RollupAccumulator.class), TypeInformation.of(ReadingRollup.class))
                    .uid(ROLLUP_UID).name("One-minute rollups")
                    .sinkTo(rollupSink)
                    .uid(ROLLUP_SINK_UID).name("Rollups sink");
        }
        if (alarmSource != null) {
            env.fromSource(alarmSource, WatermarkStrategy.noWatermarks(), "Alarm source",
                            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                    .uid(ALARM_SOURCE_UID)
                    .flatMap(new DecodeAlarmEvent(), TypeInformation.of(RoutedAlarm.class))
                    .uid(DECODE_ALARM_UID).name("Decode alarm event")
                    .sinkTo(alarmEventSink)
                    .uid(ALARM_SINK_UID).name("Alarm events sink");
        }
        return readings
                .sinkTo(readingsSink)
                .uid(SINK_UID).name("Time-series sink");
    }
}
