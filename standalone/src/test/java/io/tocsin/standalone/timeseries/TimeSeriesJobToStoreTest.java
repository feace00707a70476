package io.tocsin.standalone.timeseries;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tocsin.jobs.testing.BoundedSources;
import io.tocsin.jobs.timeseries.InfluxDbSettings;
import io.tocsin.jobs.timeseries.InfluxDbSink;
import io.tocsin.jobs.timeseries.ReadingLines;
import io.tocsin.jobs.timeseries.TimeSeriesJob;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readings go through the time-series job on a real Flink MiniCluster, through influxdb-client-java and the
 * InfluxDB v2 write API, into the embedded store; a replay of the same readings does not double them.
 */
class TimeSeriesJobToStoreTest {

    private static final long T0 = 1_790_000_000_000L;

    @TempDir
    Path dataDir;

    private EmbeddedTimeSeriesStore store;

    @BeforeEach
    void startStore() {
        store = EmbeddedTimeSeriesStore.start(dataDir, 0);
    }

    @AfterEach
    void stopStore() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void everyReadingIsStoredOnceEvenWhenTheJobReplaysIt() throws Exception {
        byte[][] batches = {
                batch("chem-park-1", "gw-1", 1, reading("gas-01", T0, 1.5), reading("gas-02", T0, 0.5)),
                {(byte) 0xff, 0x01}, // not a batch: dropped and counted, the job goes on
                batch("chem-park-1", "gw-1", 2, reading("gas-01", T0 + 1_000, 27.25), reading("gas-02", T0 + 1_000, 0.75)),
                batch("community-042", "gw-1", 1, reading("smoke-7", T0 + 500, 3.0)),
        };

        runJob(batches);
        runJob(batches); // the replay after a restore, in effect

        await().atMost(Duration.ofSeconds(30)).until(() -> store.rowCount("reading") == 5);
        assertThat(store.query("SELECT site, device, sensor, value, quality FROM reading"
                + " WHERE sensor = 'gas-01' ORDER BY timestamp"))
                .contains("[\"chem-park-1\",\"gw-1\",\"gas-01\",1.5,\"good\"]")
                .contains("[\"chem-park-1\",\"gw-1\",\"gas-01\",27.25,\"good\"]");
        assertThat(store.rowCount("reading")).isEqualTo(5);
    }

    private void runJob(byte[][] batches) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
        InfluxDbSettings settings = InfluxDbSettings.of(store.url(), "", "tocsin", "tocsin");
        new TimeSeriesJob(
                BoundedSources.of(batches),
                new InfluxDbSink<>(settings, new ReadingLines()))
                .buildPipeline(env);
        env.execute("time-series test");
    }

    private static Reading reading(String sensor, long t, double value) {
        return Reading.newBuilder().setSensorId(sensor).setTimestampMs(t).setValue(value)
                .setQuality(Quality.QUALITY_GOOD).build();
    }

    private static byte[] batch(String site, String device, long sequence, Reading... readings) {
        return TelemetryBatch.newBuilder().setSiteId(site).setDeviceId(device).setSequence(sequence)
                .addAllReadings(java.util.List.of(readings)).build().toByteArray();
    }
}
