package io.tocsin.jobs.telemetry;

import io.tocsin.jobs.alarms.SensorInput;
import io.tocsin.jobs.events.FieldEventInput;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.events.FieldEvent;
import java.util.ArrayList;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The alarm job's decoder: {@link DecodeTelemetryBatch} (same checks, same counters), except that field events
 * (readings whose unit is {@code event:<kind>}, of any kind) go to {@link #FIELD_EVENTS} for the field event stage
 * instead of on to the sensor rules: a fire panel's "fire" is an alarm by itself, not a value to compare with a
 * threshold.
 *
 * <p>The other readings of a batch go on as one {@link SensorInput} batch (one gateway, one site), not one record
 * each: the rules stage is keyed by site, and a record per reading across its keyed exchange cost a key, its
 * hash and its serialisation per reading. A batch with no such reading (only events, or every reading dropped)
 * sends nothing on.
 */
public class DecodeTelemetryAndEvents extends ProcessFunction<byte[], SensorInput> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<FieldEventInput> FIELD_EVENTS =
            new OutputTag<>("field-events", TypeInformation.of(FieldEventInput.class));

    /** Counter: event readings sent to the field event stage. */
    public static final String FIELD_EVENT_READINGS = "telemetryFieldEvents";

    private final DecodeTelemetryBatch decoder = new DecodeTelemetryBatch();
    private transient Counter fieldEvents;
    /** The current record's measurements; reused from record to record (copied into the batch). */
    private transient ArrayList<SensorReading> measurements;

    @Override
    public void open(OpenContext openContext) throws Exception {
        decoder.setRuntimeContext(getRuntimeContext());
        decoder.open(openContext);
        fieldEvents = getRuntimeContext().getMetricGroup().counter(FIELD_EVENT_READINGS);
        measurements = new ArrayList<>();
    }

    @Override
    public void processElement(byte[] bytes, Context ctx, Collector<SensorInput> out) {
        measurements.clear();
        decoder.decode(bytes, (reading, unit) -> {
            if (FieldEvent.isEventUnit(unit)) {
                fieldEvents.inc();
                ctx.output(FIELD_EVENTS, FieldEventInput.of(reading, unit));
            } else {
                measurements.add(reading);
            }
        });
        if (!measurements.isEmpty()) {
            SensorReading first = measurements.get(0); // every reading of a record has the batch's site and device
            out.collect(SensorInput.batch(first.siteId(), first.deviceId(), measurements));
            measurements.clear();
        }
    }
}
