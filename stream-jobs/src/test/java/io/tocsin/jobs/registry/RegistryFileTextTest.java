package io.tocsin.jobs.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tocsin.jobs.alarms.TestRules;
import io.tocsin.rules.Severity;
import org.junit.jupiter.api.Test;

class RegistryFileTextTest {

    @Test
    void aSiteWithItsStationsAndZonesAndTheSameThroughTheTopicsProtobuf() throws Exception {
        SiteRegistry registry = TestRules.REGISTRY.load();

        SiteEntry site = registry.site("park-1");
        assertThat(site.stationIds()).containsExactly("station-07");
        assertThat(site.escalationStationIds()).containsExactly("station-09", "station-12");
        assertThat(site.riskLevel()).isEqualTo("MAJOR");
        assertThat(registry.zonesOf("park-1", "gas-02")).singleElement().satisfies(z -> {
            assertThat(z.requiredVotes()).isEqualTo(2);
            assertThat(z.severity()).isEqualTo(Severity.RED);
            assertThat(z.faultVotesAlarm()).isTrue();
        });
        assertThat(registry.zonesOf("park-1", "gas-09")).isEmpty();

        RegistryEntry record = TestRules.REGISTRY.toRecords().get(0);
        assertThat(record.key()).isEqualTo("site/park-1");
        assertThat(RegistryCodec.fromProto(RegistryCodec.parse(record.value()).getSite())).isEqualTo(site);
        assertThat(RegistryView.check(record)).isNull();
    }

    @Test
    void theShippedDemoRegistryCoversTheDemosSites() {
        SiteRegistry demo = RegistryFileText.shippedDemo().load();

        assertThat(demo.stationsOf("chem-park-1")).containsExactly("station-07");
        assertThat(demo.zonesOf("chem-park-1", "gas-01")).extracting(ZoneEntry::zoneId).containsExactly("tank-farm-a");
        assertThat(demo.site("enterprise-017")).isNotNull();
        assertThat(demo.site("community-042")).isNotNull();
    }

    @Test
    void aDelayLongerThanALongHoldsIsAProblemNotACrash() {
        assertThatThrownBy(() -> new RegistryFileText("sites.yaml", """
                sites:
                  park-1:
                    stations: [station-07]
                    zones:
                      tank-farm:
                        sensors: [gas-01, gas-02]
                        vote: 2
                        onDelay: 99999999999999999999s
                        offDelay: 9223372036854775807h
                """))
                .isInstanceOf(RegistryFileException.class)
                .satisfies(e -> assertThat(((RegistryFileException) e).problems()).containsExactly(
                        "sites.yaml:8: sites.park-1.zones.tank-farm.onDelay: '99999999999999999999s' is too long a"
                                + " duration; valid: 500ms, 30s, 10m, 8h",
                        "sites.yaml:9: sites.park-1.zones.tank-farm.offDelay: '9223372036854775807h' is too long a"
                                + " duration; valid: 500ms, 30s, 10m, 8h"));
    }

    @Test
    void everyProblemIsReportedWithFileLineKeyAndTheFix() {
        assertThatThrownBy(() -> new RegistryFileText("sites.yaml", """
                sites:
                  park-1:
                    stations: [station-07]
                    risk: EXTREME
                    zones:
                      tank-farm:
                        sensors: [gas-01, gas-02]
                        vote: 3
                  park-2:
                    stationz: [station-08]
                """))
                .isInstanceOf(RegistryFileException.class)
                .satisfies(e -> assertThat(((RegistryFileException) e).problems()).containsExactly(
                        "sites.yaml:4: sites.park-1.risk: 'EXTREME' is not a risk level; valid: LOW, MEDIUM, HIGH, MAJOR",
                        "sites.yaml:8: sites.park-1.zones.tank-farm.vote: '3'; valid: 1 to 2",
                        "sites.yaml:10: sites.park-2.stationz: unknown key; valid keys: [name, risk, stations, "
                                + "escalateTo, contacts, zones]",
                        "sites.yaml:10: sites.park-2.stations: missing or empty; valid: the ids of the stations "
                                + "covering the site, e.g. [station-07]"));
    }
}
