package io.tocsin.standalone.demo.city;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tocsin.jobs.registry.SiteEntry;
import io.tocsin.jobs.registry.SiteRegistry;
import io.tocsin.jobs.registry.ZoneEntry;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.Severity;
import io.tocsin.rules.config.RuleSet;
import io.tocsin.standalone.Platform;
import io.tocsin.standalone.demo.city.CitySite.Kind;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The city fleet profile: its generated registry is what the alarm job accepts and matches the seed's counts,
 * and a scripted incident of the profile raises its alarm through the real platform.
 */
class CityFleetTest {

    @TempDir
    Path dataDir;

    @Test
    void theSeedCitysRegistryIsValidForTheJobAndMatchesTheSeed() {
        CityPlan plan = CityPlan.generate(CityProfile.seedCity(), 2017, Duration.ofSeconds(30));

        SiteRegistry registry = plan.registry().load(); // validates as the job does at start-up
        assertThat(registry.sites()).hasSize(7 + 292 + 272);
        assertThat(plan.sites().stream().filter(s -> s.kind() == Kind.CHEMICAL_PARK)).hasSize(7);
        assertThat(plan.sites().stream().filter(s -> s.kind() == Kind.ENTERPRISE)).hasSize(292);
        assertThat(plan.sites().stream().filter(s -> s.kind() == Kind.COMMUNITY)).hasSize(272);
        assertThat(plan.points(SimulatedPoint.Kind.SMOKE)).as("smoke detectors of the seed report").isEqualTo(29_809);
        Set<String> stations = registry.sites().stream().flatMap(s -> s.stationIds().stream())
                .collect(Collectors.toSet());
        assertThat(stations).as("every park's fire station and every community's micro station covers a site")
                .contains("station-park-1", "station-park-7", "station-micro-001", "station-micro-272")
                .hasSize(7 + 272);
        assertThat(plan.gateways()).as("one uplink per site, not one per detector").isEqualTo(571);

        RuleSet rules = CityPlan.rules().load();
        for (CitySite site : plan.sites()) {
            SiteEntry entry = registry.site(site.siteId());
            assertThat(entry.stationIds()).as(site.siteId() + " is covered").isNotEmpty();
            assertThat(entry.riskLevel()).isEqualTo(site.risk().registryRisk());
            Set<String> points = site.gateways().stream().flatMap(g -> g.points().stream())
                    .map(SimulatedPoint::sensorId).collect(Collectors.toSet());
            for (ZoneEntry zone : entry.zones()) {
                assertThat(points).as(site.siteId() + "/" + zone.zoneId() + " votes with detectors that exist")
                        .containsAll(zone.sensorIds());
            }
            if (site.kind() == Kind.CHEMICAL_PARK) {
                assertThat(entry.zones()).isNotEmpty().allSatisfy(zone -> {
                    assertThat(zone.sensorIds()).hasSize(3);
                    assertThat(zone.requiredVotes()).as("2oo3").isEqualTo(2);
                });
            }
            for (String point : points) {
                Optional<String> type = rules.typeOf(site.siteId(), point);
                if (!point.startsWith("plc-")) {
                    assertThat(type).as(site.siteId() + "/" + point + " has alarm rules").isPresent();
                }
            }
        }
    }

    @Test
    void theScriptedGasLeakIsConfirmedTwoOutOfThreeAndReachesTheParksStation() throws Exception {
        CityPlan plan = CityPlan.generate(CityProfile.small(), 7, Duration.ofSeconds(2), Duration.ofSeconds(5));
        CityPlan.Incident leak = plan.incidents().stream().filter(i -> i.name().equals("gas leak")).findFirst()
                .orElseThrow();
        Platform.Settings settings = Platform.Settings.builder(dataDir).ports(Platform.Ports.ephemeral())
                .rules(CityPlan.rules()).registry(plan.registry()).build();
        Clock clock = Clock.systemUTC();
        try (Platform platform = Platform.start(settings);
             CityAlarmBoard board = new CityAlarmBoard(platform.mqttUri(), clock);
             CityFleet fleet = CityFleet.start(plan, platform.mqttUri(), clock, 1)) {

            await().atMost(Duration.ofSeconds(60)).until(() -> board.raisedAlarms().stream()
                    .anyMatch(a -> a.getAlarmId().startsWith(leak.alarmIdPrefix())));

            AlarmEvent zone = board.raisedAlarms().stream()
                    .filter(a -> a.getAlarmId().startsWith(leak.alarmIdPrefix())).findFirst().orElseThrow();
            assertThat(zone.getAlarmId()).isEqualTo("chem-park-1/tank-farm-1/zone-vote/1");
            assertThat(zone.getSeverity()).isEqualTo(Severity.SEVERITY_RED);
            assertThat(zone.getStationIdsList()).contains("station-park-1");
            assertThat(board.raisedAlarms()).extracting(AlarmEvent::getAlarmId)
                    .as("the first head crossed 25 %LEL alone before the zone was confirmed")
                    .contains("chem-park-1/gas-01/gas-high-1/1");
            assertThat(fleet.online()).as("all connected but the one scripted to drop").isGreaterThanOrEqualTo(plan.gateways() - 1);
            assertThat(fleet.readingsAcknowledged()).isPositive();
            assertThat(fleet.batchesDropped()).isZero();
        }
    }
}
