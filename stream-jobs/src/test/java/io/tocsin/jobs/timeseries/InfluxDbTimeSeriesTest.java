package io.tocsin.jobs.timeseries;

import static org.assertj.core.api.Assertions.assertThat;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.InfluxDBClientFactory;
import com.influxdb.query.FluxRecord;
import io.tocsin.jobs.testing.BoundedSources;
import java.time.Duration;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The time-series job against a real InfluxDB 2 (Docker): readings, one-minute rollups and alarm events, through
 * the same sink as against the embedded store. Skipped where there is no Docker engine; its twin that runs
 * everywhere is standalone's {@code TimeSeriesRollupsAndAlarmsToStoreTest} (embedded QuestDB).
 */
@Testcontainers(disabledWithoutDocker = true)
class InfluxDbTimeSeriesTest {

    private static final String TOKEN = "tocsin-test-token";

    @Container
    static final GenericContainer<?> INFLUXDB = new GenericContainer<>("influxdb:2.7")
            .withEnv("DOCKER_INFLUXDB_INIT_MODE", "setup")
            .withEnv("DOCKER_INFLUXDB_INIT_USERNAME", "tocsin")
            .withEnv("DOCKER_INFLUXDB_INIT_PASSWORD", "tocsin-password")
            .withEnv("DOCKER_INFLUXDB_INIT_ORG", "tocsin")
            .withEnv("DOCKER_INFLUXDB_INIT_BUCKET", "tocsin")
            .withEnv("DOCKER_INFLUXDB_INIT_ADMIN_TOKEN", TOKEN)
            .withExposedPorts(8086)
            .waitingFor(Wait.forHttp("/ping").forStatusCode(204).withStartupTimeout(Duration.ofMinutes(2)));

    @Test
    void readingsRollupsAndAlarmEventsReachInfluxDb() throws Exception {
        String url = "http://" + INFLUXDB.getHost() + ":" + INFLUXDB.getMappedPort(8086);
        InfluxDbSettings settings = InfluxDbSettings.of(url, TOKEN, "tocsin", "tocsin");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
        new TimeSeriesJob(BoundedSources.of(TimeSeriesTestData.telemetry()),
                new InfluxDbSink<>(settings, new ReadingLines()),
                new InfluxDbSink<>(settings, new RollupLines()),
                BoundedSources.of(TimeSeriesTestData.alarms()),
                new InfluxDbSink<>(settings, new AlarmEventLines()))
                .buildPipeline(env);
        env.execute("time-series to InfluxDB 2");

        try (InfluxDBClient client = InfluxDBClientFactory.create(url, TOKEN.toCharArray(), "tocsin", "tocsin")) {
            List<FluxRecord> rollups = client.getQueryApi().query("from(bucket: \"tocsin\") |> range(start: 0)"
                    + " |> filter(fn: (r) => r._measurement == \"reading_1m\" and r._field == \"mean\")").stream()
                    .flatMap(t -> t.getRecords().stream()).toList();
            assertThat(rollups).extracting(FluxRecord::getValue).containsExactly(20.0, 5.0);
            List<FluxRecord> alarms = client.getQueryApi().query("from(bucket: \"tocsin\") |> range(start: 0)"
                    + " |> filter(fn: (r) => r._measurement == \"alarm_event\" and r._field == \"stations\")").stream()
                    .flatMap(t -> t.getRecords().stream()).toList();
            assertThat(alarms).extracting(FluxRecord::getValue)
                    .containsExactlyInAnyOrder("station-07", "station-09,control-room");
        }
    }
}
