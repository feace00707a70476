package io.tocsin.standalone.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tocsin.jobs.alarms.AlarmEventCodec;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.jobs.timeseries.AlarmEventLines;
import io.tocsin.jobs.timeseries.InfluxDbSettings;
import io.tocsin.jobs.timeseries.InfluxDbSink;
import io.tocsin.jobs.timeseries.ReadingLines;
import io.tocsin.jobs.timeseries.RollupLines;
import io.tocsin.jobs.timeseries.TimeSeriesJob;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.Severity;
import io.tocsin.rules.TransitionCause;
import io.tocsin.standalone.timeseries.EmbeddedTimeSeriesStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.connector.datagen.functions.FromElementsGeneratorFunction;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One-minute rollups and alarm events through the time-series job into the embedded store (the twin of
 * stream-jobs' InfluxDbTimeSeriesTest, which needs Docker). The tables are created with the DDL proposed for
 * {@code EmbeddedTimeSeriesStore}: deduplication keys make a replay overwrite instead of doubling.
 */
class TimeSeriesRollupsAndAlarmsToStoreTest {

    /** Proposed for EmbeddedTimeSeriesStore (lead: move there). */

    private static final long M0 = 1_790_000_040_000L - 1_790_000_040_000L % 60_000;

    @TempDir
    Path dataDir;

    @Test
    void rollupsAndAlarmEventsAreStoredOnceEvenWhenReplayed() throws Exception {
        try (EmbeddedTimeSeriesStore store = EmbeddedTimeSeriesStore.start(dataDir, 0)) {

            runJob(store);
            runJob(store); // the replay after a restore, in effect

            await().atMost(Duration.ofSeconds(30)).until(() -> count(store, "reading_1m") == 2
                    && count(store, "alarm_event") == 2);
            assertThat(store.query("SELECT min, max, mean, last, count FROM reading_1m ORDER BY timestamp"))
                    .contains("[10.0,30.0,20.0,30.0,3],[5.0,5.0,5.0,5.0,1]");
            assertThat(store.query("SELECT alarm_id, state, escalation_level, stations FROM alarm_event"
                    + " ORDER BY escalation_level"))
                    .contains("[\"park-1/gas-01/gas-high/1\",\"active_unacknowledged\",\"0\",\"station-07\"]")
                    .contains("[\"park-1/gas-01/gas-high/1\",\"active_unacknowledged\",\"1\","
                            + "\"station-09,control-room\"]");
        }
    }

    private static void runJob(EmbeddedTimeSeriesStore store) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
        InfluxDbSettings settings = InfluxDbSettings.of(store.url(), "", "tocsin", "tocsin");
        new TimeSeriesJob(bounded(telemetry()), new InfluxDbSink<>(settings, new ReadingLines()),
                new InfluxDbSink<>(settings, new RollupLines()), bounded(alarms()),
                new InfluxDbSink<>(settings, new AlarmEventLines()))
                .buildPipeline(env);
        env.execute("rollups and alarm events to the store");
    }

    private static byte[][] telemetry() {
        double[][] readings = {{0, 10}, {20_000, 20}, {40_000, 30}, {61_000, 5}};
        byte[][] batches = new byte[readings.length + 1][];
        for (int i = 0; i < readings.length; i++) {
            batches[i] = batch(i + 1, Reading.newBuilder().setSensorId("gas-01")
                    .setTimestampMs(M0 + (long) readings[i][0]).setValue(readings[i][1])
                    .setQuality(Quality.QUALITY_GOOD).build());
        }
        batches[readings.length] = batch(9, Reading.newBuilder().setSensorId("gas-01").setTimestampMs(M0 + 62_000)
                .setValue(99).setQuality(Quality.QUALITY_BAD).build());
        return batches;
    }

    private static byte[][] alarms() {
        AlarmTransition raised = new AlarmTransition("park-1/gas-01/gas-high/1", "park-1", "gw-1", "gas-01",
                "gas-high", Severity.ORANGE, AlarmState.ACTIVE_UNACKNOWLEDGED, 30, 25, M0 + 40_000, M0 + 40_000, 1,
                AlarmKind.PROCESS, TransitionCause.CONDITION, "v1", "", "", 0, false);
        return new byte[][] {
                AlarmEventCodec.toBytes(RoutedAlarm.of(raised, List.of("station-07"))),
                AlarmEventCodec.toBytes(new RoutedAlarm(raised, List.of("station-09", "control-room"), 1, ""))};
    }

    private static byte[] batch(long sequence, Reading reading) {
        return TelemetryBatch.newBuilder().setSiteId("park-1").setDeviceId("gw-1").setSequence(sequence)
                .addReadings(reading).build().toByteArray();
    }

    private static DataGeneratorSource<byte[]> bounded(byte[][] records) {
        return new DataGeneratorSource<>(
                new FromElementsGeneratorFunction<>(PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO, records),
                records.length, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    private static long count(EmbeddedTimeSeriesStore store, String table) {
        String json = store.query("SELECT count() FROM " + table);
        String dataset = json.substring(json.indexOf("\"dataset\":[[") + 12);
        return Long.parseLong(dataset.substring(0, dataset.indexOf(']')));
    }
}
