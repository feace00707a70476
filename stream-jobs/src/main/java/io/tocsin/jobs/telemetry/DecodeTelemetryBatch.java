package io.tocsin.jobs.telemetry;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the bytes of one {@link TelemetryBatch} into one {@link SensorReading} per reading.
 *
 * <p>Bad input never fails the job: a failing record would be replayed after every restart and stop all
 * alarms of every site. What cannot be used is logged at WARN, counted and dropped:
 * <ul>
 *   <li>a record that is not a TelemetryBatch, or whose site_id is not a valid id (it names the alarm topic
 *       of the site, see {@link MqttTopics#isLevel}): the whole batch, metric {@value #REJECTED_BATCHES};</li>
 *   <li>a reading without sensor_id (it could not be keyed): that reading only, metric
 *       {@value #REJECTED_READINGS}.</li>
 * </ul>
 * device_id is informative and not required: dropping a real over-threshold reading for a missing
 * gateway name would be worse than an alarm without it.
 *
 * <p>Protobuf objects stay inside this function: only the {@link SensorReading} record (a Flink POJO) flows
 * on, so Flink never falls back to Kryo.
 */
public class DecodeTelemetryBatch extends RichFlatMapFunction<byte[], SensorReading> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DecodeTelemetryBatch.class);

    /** Counter: records dropped because they are not a usable TelemetryBatch. */
    public static final String REJECTED_BATCHES = "telemetryBatchesRejected";
    /** Counter: single readings dropped from an otherwise usable batch. */
    public static final String REJECTED_READINGS = "telemetryReadingsRejected";
    /**
     * Counter: readings whose quality was not set. They pass as UNCERTAIN, so they can never raise an alarm:
     * a sender that forgets the quality is a silent sensor, and this counter is how operators notice.
     */
    public static final String UNSPECIFIED_QUALITY = "telemetryReadingsWithoutQuality";

    private transient Counter rejectedBatches;
    private transient Counter rejectedReadings;
    private transient Counter unspecifiedQuality;

    @Override
    public void open(OpenContext openContext) {
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        rejectedBatches = metrics.counter(REJECTED_BATCHES);
        rejectedReadings = metrics.counter(REJECTED_READINGS);
        unspecifiedQuality = metrics.counter(UNSPECIFIED_QUALITY);
    }

    @Override
    public void flatMap(byte[] bytes, Collector<SensorReading> out) {
        decode(bytes, (reading, unit) -> out.collect(reading));
    }

    /** Receives each usable reading of a batch with its unit as sent (e.g. {@code event:fire} for an event). */
    @FunctionalInterface
    public interface ReadingHandler {
        void accept(SensorReading reading, String unit);
    }

    /**
     * Decodes one record, counting and logging what is dropped as described above, and hands each usable reading
     * to {@code handler}. Needs {@link #open} first (the counters).
     */
    public void decode(byte[] bytes, ReadingHandler handler) {
        if (bytes == null) {
            rejectBatch("no payload", 0);
            return;
        }
        TelemetryBatch batch;
        try {
            batch = TelemetryBatch.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            rejectBatch("not a TelemetryBatch: " + e.getMessage(), bytes.length);
            return;
        }
        if (!MqttTopics.isLevel(batch.getSiteId())) {
            rejectBatch("invalid site_id '" + batch.getSiteId() + "' (device '" + batch.getDeviceId()
                    + "', sequence " + batch.getSequence() + ")", bytes.length);
            return;
        }
        for (Reading reading : batch.getReadingsList()) {
            if (reading.getSensorId().isEmpty()) {
                rejectedReadings.inc();
                LOG.warn("Dropped a reading without sensor_id from site '{}', device '{}', sequence {}",
                        batch.getSiteId(), batch.getDeviceId(), batch.getSequence());
                continue;
            }
            if (reading.getQuality() == Quality.QUALITY_UNSPECIFIED) {
                unspecifiedQuality.inc();
            }
            SensorReading r = new SensorReading(batch.getSiteId(), batch.getDeviceId(), reading.getSensorId(),
                    reading.getTimestampMs(), reading.getValue(), qualityOf(reading.getQuality()));
            handler.accept(r, reading.getUnit());
        }
    }

    /**
     * Maps the wire quality to the rules' quality. Anything that is not explicitly GOOD or BAD, including
     * unset and values added to the schema after this code, is UNCERTAIN: only GOOD may raise or clear.
     */
    static ReadingQuality qualityOf(Quality quality) {
        return switch (quality) {
            case QUALITY_GOOD -> ReadingQuality.GOOD;
            case QUALITY_BAD -> ReadingQuality.BAD;
            case QUALITY_UNCERTAIN, QUALITY_UNSPECIFIED, UNRECOGNIZED -> ReadingQuality.UNCERTAIN;
        };
    }

    private void rejectBatch(String reason, int size) {
        rejectedBatches.inc();
        LOG.warn("Dropped a telemetry record of {} bytes: {}", size, reason);
    }
}
