package io.tocsin.standalone.jobs;

import static io.tocsin.jobs.timeseries.TimeSeriesTestData.alarms;
import static io.tocsin.jobs.timeseries.TimeSeriesTestData.telemetry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tocsin.jobs.testing.BoundedSources;
import io.tocsin.jobs.timeseries.AlarmEventLines;
import io.tocsin.jobs.timeseries.InfluxDbSettings;
import io.tocsin.jobs.timeseries.InfluxDbSink;
import io.tocsin.jobs.timeseries.ReadingLines;
import io.tocsin.jobs.timeseries.RollupLines;
import io.tocsin.jobs.timeseries.TimeSeriesJob;
import io.tocsin.jobs.timeseries.TimeSeriesTestData;
import io.tocsin.standalone.timeseries.EmbeddedTimeSeriesStore;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One-minute rollups and alarm events through the time-series job into the embedded store (the twin of
 * stream-jobs' InfluxDbTimeSeriesTest, which needs Docker, on the same {@link TimeSeriesTestData}). The store
 * creates its tables with deduplication keys: a replay overwrites instead of doubling.
 */
class TimeSeriesRollupsAndAlarmsToStoreTest {

    @TempDir
    Path dataDir;

    @Test
    void rollupsAndAlarmEventsAreStoredOnceEvenWhenReplayed() throws Exception {
        try (EmbeddedTimeSeriesStore store = EmbeddedTimeSeriesStore.start(dataDir, 0)) {

            runJob(store);
            runJob(store); // the replay after a restore, in effect

            await().atMost(Duration.ofSeconds(30)).until(() -> store.rowCount("reading_1m") == 2
                    && store.rowCount("alarm_event") == 2);
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
        new TimeSeriesJob(BoundedSources.of(telemetry()), new InfluxDbSink<>(settings, new ReadingLines()),
                new InfluxDbSink<>(settings, new RollupLines()), BoundedSources.of(alarms()),
                new InfluxDbSink<>(settings, new AlarmEventLines()))
                .buildPipeline(env);
        env.execute("rollups and alarm events to the store");
    }
}
