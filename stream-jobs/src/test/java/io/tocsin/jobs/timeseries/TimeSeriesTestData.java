package io.tocsin.jobs.timeseries;

import io.tocsin.jobs.alarms.AlarmEventCodec;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.Severity;
import io.tocsin.rules.TransitionCause;
import java.util.ArrayList;
import java.util.List;

/**
 * The same input for the time-series job against every store: two minutes of one gas detector (minute 0:
 * 10, 20, 30 - minute 1: 5, plus a BAD reading that the rollup leaves out) and one alarm raised and escalated.
 */
public final class TimeSeriesTestData {

    public static final long MINUTE_0 = 1_790_000_040_000L - 1_790_000_040_000L % 60_000;

    private TimeSeriesTestData() {
    }

    public static byte[][] telemetry() {
        List<byte[]> batches = new ArrayList<>();
        long seq = 0;
        for (double[] r : new double[][] {{0, 10}, {20_000, 20}, {40_000, 30}, {61_000, 5}}) {
            batches.add(batch(++seq, Reading.newBuilder().setSensorId("gas-01").setTimestampMs(MINUTE_0 + (long) r[0])
                    .setValue(r[1]).setQuality(Quality.QUALITY_GOOD).build()));
        }
        batches.add(batch(++seq, Reading.newBuilder().setSensorId("gas-01").setTimestampMs(MINUTE_0 + 62_000)
                .setValue(99).setQuality(Quality.QUALITY_BAD).build()));
        return batches.toArray(new byte[0][]);
    }

    public static byte[][] alarms() {
        AlarmTransition raised = new AlarmTransition("park-1/gas-01/gas-high/1", "park-1", "gw-1", "gas-01",
                "gas-high", Severity.ORANGE, AlarmState.ACTIVE_UNACKNOWLEDGED, 30, 25, MINUTE_0 + 40_000,
                MINUTE_0 + 40_000, 1, AlarmKind.PROCESS, TransitionCause.CONDITION, "v1", "", "", 0, false);
        return new byte[][] {
                AlarmEventCodec.toBytes(RoutedAlarm.of(raised, List.of("station-07"))),
                AlarmEventCodec.toBytes(new RoutedAlarm(raised, List.of("station-09", "control-room"), 1, ""))};
    }

    private static byte[] batch(long sequence, Reading reading) {
        return TelemetryBatch.newBuilder().setSiteId("park-1").setDeviceId("gw-1").setSequence(sequence)
                .addReadings(reading).build().toByteArray();
    }

}
