package io.tocsin.jobs.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.tocsin.jobs.events.FieldEventInput;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.rules.SensorReading;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class DecodeTelemetryAndEventsTest {

    private static Reading reading(String sensorId, double value, String unit) {
        return Reading.newBuilder().setSensorId(sensorId).setTimestampMs(1_000).setValue(value)
                .setQuality(Quality.QUALITY_GOOD).setUnit(unit).build();
    }

    @Test
    void eventReadingsOfAnyKindGoToTheFieldEventSideOutputAndMeasurementsOnToTheRules() throws Exception {
        byte[] batch = TelemetryBatch.newBuilder().setSiteId("park-1").setDeviceId("gw-1").setSequence(3)
                .addReadings(reading("gas-01", 12.5, "%LEL"))
                .addReadings(reading("zone-3", 1, "event:fire"))
                .addReadings(reading("zone-4", 1, "event:smoke"))
                .addReadings(reading("", 1, "event:fire"))        // no sensor id: dropped like any reading
                .build().toByteArray();
        try (var harness = new OneInputStreamOperatorTestHarness<>(
                new ProcessOperator<>(new DecodeTelemetryAndEvents()))) {
            harness.open();
            harness.processElement(batch, 0);
            harness.processElement(new byte[] {(byte) 0xff, 0x01}, 0);   // garbage: dropped, not fatal

            // The measurements of the batch go on as one record; the garbage sends nothing.
            assertThat(harness.extractOutputValues()).singleElement().satisfies(b -> {
                assertThat(b.siteId()).isEqualTo("park-1");
                assertThat(b.deviceId()).isEqualTo("gw-1");
                assertThat(b.readings()).extracting(SensorReading::sensorId).containsExactly("gas-01");
            });
            assertThat(harness.getSideOutput(DecodeTelemetryAndEvents.FIELD_EVENTS)).extracting(StreamRecord::getValue)
                    .extracting(FieldEventInput::key, i -> i.reading().sensorId(), FieldEventInput::unit,
                            i -> i.reading().deviceId())
                    .containsExactly(tuple("park-1", "zone-3", "event:fire", "gw-1"),
                            tuple("park-1", "zone-4", "event:smoke", "gw-1"));
        }
    }

    @Test
    void aBatchsMeasurementsGoOnAsOneRecordInTheirOrderAndABatchOfOnlyEventsAsNone() throws Exception {
        byte[] mixed = TelemetryBatch.newBuilder().setSiteId("park-1").setDeviceId("gw-2").setSequence(4)
                .addReadings(reading("gas-02", 1, "%LEL").toBuilder().setTimestampMs(3_000))
                .addReadings(reading("zone-3", 1, "event:fire"))
                .addReadings(reading("gas-01", 2, "%LEL").toBuilder().setTimestampMs(5_000))
                .addReadings(reading("gas-03", 3, "%LEL").toBuilder().setTimestampMs(4_000))
                .build().toByteArray();
        byte[] eventsOnly = TelemetryBatch.newBuilder().setSiteId("park-1").setDeviceId("panel-1").setSequence(1)
                .addReadings(reading("zone-4", 1, "event:fire"))
                .build().toByteArray();
        try (var harness = new OneInputStreamOperatorTestHarness<>(
                new ProcessOperator<>(new DecodeTelemetryAndEvents()))) {
            harness.open();
            harness.processElement(mixed, 0);
            harness.processElement(eventsOnly, 0);

            assertThat(harness.extractOutputValues()).singleElement().satisfies(b -> {
                assertThat(b.readings()).extracting(SensorReading::sensorId, SensorReading::deviceId)
                        .containsExactly(tuple("gas-02", "gw-2"), tuple("gas-01", "gw-2"), tuple("gas-03", "gw-2"));
                assertThat(b.timestampMs()).as("the newest reading's time").isEqualTo(5_000);
            });
            assertThat(harness.getSideOutput(DecodeTelemetryAndEvents.FIELD_EVENTS)).hasSize(2);
        }
    }
}
