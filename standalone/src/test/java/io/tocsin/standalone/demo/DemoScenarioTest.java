package io.tocsin.standalone.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;
import io.tocsin.proto.v1.Severity;
import io.tocsin.standalone.Platform;
import io.tocsin.standalone.timeseries.StoreSql;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code ./tocsin demo} shows: simulated gateways (real edge agents over MQTT) report to the platform,
 * and the scripted gas leak in chemical park 1 reaches the fire station console as an alarm.
 */
class DemoScenarioTest {

    @TempDir
    Path dataDir;

    @Test
    void theScriptedLeakReachesTheStationAndTheQuietSitesRaiseNothing() throws Exception {
        Clock clock = Clock.systemUTC();
        try (Platform platform = Platform.start(Platform.Settings.defaults(dataDir).withPorts(Platform.Ports.ephemeral()));
             StationConsole station = new StationConsole("station-test", platform.mqttUri(), clock);
             DemoFleet fleet = DemoFleet.start(platform.mqttUri(), clock, Duration.ofMillis(500))) {

            await().atMost(Duration.ofSeconds(90)).until(() -> station.alarmsReceived() > 0);

            AlarmEvent alarm = station.alarms().get(0);
            assertThat(alarm.getAlarmId()).isEqualTo("chem-park-1/gas-01/gas-high-1/1");
            assertThat(alarm.getSeverity()).isEqualTo(Severity.SEVERITY_ORANGE);
            assertThat(alarm.getState()).isEqualTo(AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
            assertThat(alarm.getValue()).isGreaterThanOrEqualTo(25.0).isLessThan(27.0);
            assertThat(fleet.agents()).allSatisfy(agent -> {
                assertThat(agent.acknowledgedBatches()).as(agent.siteId() + " reported").isPositive();
                assertThat(agent.droppedBatches()).isZero();
            });
            assertThat(station.alarms()).extracting(AlarmEvent::getSiteId).containsOnly("chem-park-1");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(new StoreSql(platform.timeSeriesUrl())
                    .query("SELECT count() FROM reading WHERE site = 'enterprise-017' AND sensor = 'gas-02'"))
                    .as("the quiet sites' readings reach the time-series store too")
                    .doesNotContain("\"dataset\":[[0]]").contains("\"dataset\":[["));
            HttpClient http = HttpClient.newHttpClient();
            assertThat(http.send(HttpRequest.newBuilder(URI.create(platform.operationsUrl() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body())
                    .as("Prometheus metrics of the ingest server").contains("tocsin_ingest_publish_accepted_total")
                    .contains("tocsin_timeseries_backlog_records");
        }
    }
}
