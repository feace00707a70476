package io.tocsin.jobs.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.groups.UnregisteredMetricGroups;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.api.operators.StreamFlatMap;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DecodeTelemetryBatchTest {

    private final InterceptingTaskMetricGroup metrics = new InterceptingTaskMetricGroup();
    private OneInputStreamOperatorTestHarness<byte[], SensorReading> harness;

    @BeforeEach
    void openHarness() throws Exception {
        harness = new OneInputStreamOperatorTestHarness<>(new StreamFlatMap<>(new DecodeTelemetryBatch()),
                new MockEnvironmentBuilder().setMetricGroup(metrics).build());
        harness.open();
    }

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    private static Reading.Builder reading(String sensorId, long t, double value, Quality quality) {
        return Reading.newBuilder().setSensorId(sensorId).setTimestampMs(t).setValue(value).setQuality(quality)
                .setUnit("%LEL");
    }

    private static TelemetryBatch.Builder batch(String siteId, Reading.Builder... readings) {
        TelemetryBatch.Builder batch = TelemetryBatch.newBuilder().setSiteId(siteId).setDeviceId("gw-1").setSequence(7);
        Arrays.stream(readings).forEach(batch::addReadings);
        return batch;
    }

    private long counter(String name) {
        return ((Counter) metrics.operator.get(name)).getCount();
    }

    @Test
    void aValidBatchBecomesOneReadingPerReadingWithEveryField() throws Exception {
        byte[] bytes = batch("park-1",
                reading("gas-03", 1_000, 12.5, Quality.QUALITY_GOOD),
                reading("temp-01", 1_001, 80.0, Quality.QUALITY_BAD),
                reading("smoke-2", 1_002, 0.25, Quality.QUALITY_UNCERTAIN),
                reading("co-1", 1_003, -3.0, Quality.QUALITY_UNSPECIFIED))
                .build().toByteArray();

        harness.processElement(bytes, 5L);

        assertThat(harness.extractOutputValues()).containsExactly(
                new SensorReading("park-1", "gw-1", "gas-03", 1_000, 12.5, ReadingQuality.GOOD),
                new SensorReading("park-1", "gw-1", "temp-01", 1_001, 80.0, ReadingQuality.BAD),
                new SensorReading("park-1", "gw-1", "smoke-2", 1_002, 0.25, ReadingQuality.UNCERTAIN),
                new SensorReading("park-1", "gw-1", "co-1", 1_003, -3.0, ReadingQuality.UNCERTAIN));
        assertThat(counter(DecodeTelemetryBatch.UNSPECIFIED_QUALITY)).isEqualTo(1);
        assertThat(counter(DecodeTelemetryBatch.REJECTED_BATCHES)).isZero();
        assertThat(counter(DecodeTelemetryBatch.REJECTED_READINGS)).isZero();
    }

    @Test
    void recordsThatAreNotAUsableBatchAreCountedAndDroppedWithoutFailing() throws Exception {
        byte[] valid = batch("park-1", reading("gas-03", 1_000, 30, Quality.QUALITY_GOOD)).build().toByteArray();
        List<byte[]> bad = Arrays.asList(
                new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF},      // not protobuf at all
                Arrays.copyOf(valid, valid.length - 3),                                // cut inside a reading
                null,                                                                  // no payload
                batch("", reading("gas-03", 1_000, 30, Quality.QUALITY_GOOD)).build().toByteArray(),
                batch("park/1", reading("gas-03", 1_000, 30, Quality.QUALITY_GOOD)).build().toByteArray());

        for (byte[] record : bad) {
            harness.processElement(record, 1L);
        }
        harness.processElement(valid, 2L);

        assertThat(counter(DecodeTelemetryBatch.REJECTED_BATCHES)).isEqualTo(bad.size());
        assertThat(harness.extractOutputValues()).containsExactly(
                new SensorReading("park-1", "gw-1", "gas-03", 1_000, 30, ReadingQuality.GOOD));
    }

    @Test
    void aReadingWithoutSensorIdIsDroppedAndTheRestOfTheBatchKept() throws Exception {
        byte[] bytes = batch("park-1",
                reading("", 1_000, 99, Quality.QUALITY_GOOD),
                reading("gas-03", 1_000, 30, Quality.QUALITY_GOOD))
                .build().toByteArray();

        harness.processElement(bytes, 1L);

        assertThat(harness.extractOutputValues()).extracting(SensorReading::sensorId).containsExactly("gas-03");
        assertThat(counter(DecodeTelemetryBatch.REJECTED_READINGS)).isEqualTo(1);
        assertThat(counter(DecodeTelemetryBatch.REJECTED_BATCHES)).isZero();
    }

    @Test
    void aBatchWithoutReadingsEmitsNothingAndIsNoError() throws Exception {
        harness.processElement(batch("park-1").build().toByteArray(), 1L);

        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(counter(DecodeTelemetryBatch.REJECTED_BATCHES)).isZero();
    }

    @ParameterizedTest
    @EnumSource(Quality.class)
    void onlyExplicitGoodAndBadKeepTheirMeaningEverythingElseIsUncertain(Quality quality) {
        ReadingQuality expected = switch (quality) {
            case QUALITY_GOOD -> ReadingQuality.GOOD;
            case QUALITY_BAD -> ReadingQuality.BAD;
            default -> ReadingQuality.UNCERTAIN;
        };
        assertThat(DecodeTelemetryBatch.qualityOf(quality)).isEqualTo(expected);
    }

    /** A task metric group that hands every operator one group which remembers its metrics. */
    private static final class InterceptingTaskMetricGroup
            extends UnregisteredMetricGroups.UnregisteredTaskMetricGroup {

        final InterceptingOperatorMetricGroup operator = new InterceptingOperatorMetricGroup();

        @Override
        public InternalOperatorMetricGroup getOrAddOperator(OperatorID operatorID, String name,
                Map<String, String> additionalVariables) {
            return operator;
        }
    }
}
