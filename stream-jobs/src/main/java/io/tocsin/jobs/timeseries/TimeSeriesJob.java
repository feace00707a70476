package io.tocsin.jobs.timeseries;

import io.tocsin.jobs.telemetry.DecodeTelemetryBatch;
import io.tocsin.rules.SensorReading;
import java.util.Objects;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The time-series job: every reading from the telemetry topic into the time-series store.
 *
 * <pre>
 * telemetry source (byte[]) -> DecodeTelemetryBatch -> readings sink (InfluxDB write API)
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

    private final Source<byte[], ?, ?> telemetrySource;
    private final Sink<SensorReading> readingsSink;

    public TimeSeriesJob(Source<byte[], ?, ?> telemetrySource, Sink<SensorReading> readingsSink) {
        this.telemetrySource = Objects.requireNonNull(telemetrySource, "telemetrySource");
        this.readingsSink = Objects.requireNonNull(readingsSink, "readingsSink");
    }

    /** Adds the pipeline to {@code env}; nothing runs until the caller executes the environment. */
    public DataStreamSink<SensorReading> buildPipeline(StreamExecutionEnvironment env) {
        return env.fromSource(telemetrySource, WatermarkStrategy.noWatermarks(), "Telemetry source",
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                .uid(SOURCE_UID)
                .flatMap(new DecodeTelemetryBatch())
                .uid(DECODE_UID).name("Decode telemetry batch")
                .sinkTo(readingsSink)
                .uid(SINK_UID).name("Time-series sink");
    }
}
