package io.tocsin.jobs.timeseries;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The rollup stage on Flink's keyed operator harness: emission on the watermark, lateness, forgetting. */
class RollUpMinutesTest {

    private static final long M0 = 1_790_000_040_000L; // a minute start
    private static final long MINUTE = 60_000;

    private KeyedOneInputStreamOperatorTestHarness<String, SensorReading, ReadingRollup> harness;

    @BeforeEach
    void open() throws Exception {
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new RollUpMinutes(Duration.ofMinutes(2))),
                r -> r.siteId() + "/" + r.sensorId(), Types.STRING);
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    @Test
    void aMinuteIsEmittedOnceTheWatermarkPassesItsEnd() throws Exception {
        reading(M0 + 1_000, 10);
        reading(M0 + 30_000, 30);
        reading(M0 + 20_000, 20); // out of order: "last" is still the latest timestamp's value
        harness.processWatermark(M0 + MINUTE - 2);
        assertThat(rollups()).isEmpty();

        harness.processWatermark(M0 + MINUTE - 1);

        assertThat(rollups()).containsExactly(new ReadingRollup("park-1", "gas-01", M0, 10, 30, 20, 30, 3));
    }

    @Test
    void aLateReadingWithinTheLatenessUpdatesItsMinuteAndOneBeyondIsDroppedAndCounted() throws Exception {
        reading(M0 + 1_000, 10);
        harness.processWatermark(M0 + MINUTE + 5_000);
        reading(M0 + 2_000, 40); // late, allowed: the minute is emitted again with both

        assertThat(rollups()).containsExactly(
                new ReadingRollup("park-1", "gas-01", M0, 10, 10, 10, 10, 1),
                new ReadingRollup("park-1", "gas-01", M0, 10, 40, 25, 40, 2));

        harness.processWatermark(M0 + 3 * MINUTE - 1); // the minute's end + 2 min: forgotten
        reading(M0 + 3_000, 99);

        assertThat(rollups()).hasSize(2);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void aMinuteWithoutAGoodReadingGivesNoRollupAndASensorRegistersItsTimersOncePerMinute() throws Exception {
        harness.processElement(new StreamRecord<>(new SensorReading("park-1", "gw-1", "gas-01", M0 + 1_000, 5,
                ReadingQuality.BAD), M0 + 1_000));
        for (int s = 2; s < 60; s++) {
            harness.processElement(new StreamRecord<>(new SensorReading("park-1", "gw-1", "gas-01", M0 + s * 1_000,
                    Double.NaN, ReadingQuality.GOOD), M0 + s * 1_000));
        }
        assertThat(harness.numEventTimeTimers()).isEqualTo(2); // emit and forget

        harness.processWatermark(M0 + 4 * MINUTE);

        assertThat(rollups()).isEmpty();
    }

    private void reading(long t, double value) throws Exception {
        harness.processElement(new StreamRecord<>(
                new SensorReading("park-1", "gw-1", "gas-01", t, value, ReadingQuality.GOOD), t));
    }

    private List<ReadingRollup> rollups() {
        return harness.extractOutputValues();
    }
}
