package io.tocsin.jobs.telemetry;

import io.tocsin.jobs.events.FieldEventInput;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.events.FieldEvent;
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
 */
public class DecodeTelemetryAndEvents extends ProcessFunction<byte[], SensorReading> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<FieldEventInput> FIELD_EVENTS =
            new OutputTag<>("field-events", TypeInformation.of(FieldEventInput.class));

    /** Counter: event readings sent to the field event stage. */
    public static final String FIELD_EVENT_READINGS = "telemetryFieldEvents";

    private final DecodeTelemetryBatch decoder = new DecodeTelemetryBatch();
    private transient Counter fieldEvents;

    @Override
    public void open(OpenContext openContext) throws Exception {
        decoder.setRuntimeContext(getRuntimeContext());
        decoder.open(openContext);
        fieldEvents = getRuntimeContext().getMetricGroup().counter(FIELD_EVENT_READINGS);
    }

    @Override
    public void processElement(byte[] bytes, Context ctx, Collector<SensorReading> out) {
        decoder.decode(bytes, (reading, unit) -> {
            if (FieldEvent.isEventUnit(unit)) {
                fieldEvents.inc();
                ctx.output(FIELD_EVENTS, FieldEventInput.of(reading, unit));
            } else {
                out.collect(reading);
            }
        });
    }
}
