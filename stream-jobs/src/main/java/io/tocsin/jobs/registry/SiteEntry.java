package io.tocsin.jobs.registry;

import java.util.List;
import java.util.Objects;

/**
 * What the platform knows about one site: who answers its alarms and how its detectors form zones.
 *
 * @param riskLevel            LOW, MEDIUM, HIGH or MAJOR (a major hazard installation); UNSPECIFIED if not known
 * @param stationIds           the stations covering the site: every alarm of the site goes to each
 * @param escalationStationIds the next responsible stations, in order, for alarms nobody acknowledges
 * @param contacts             people to call, free text ("Li Wei, safety officer, +86 ...")
 * @param version              version of this entry: zone alarms carry it as their rule-set version
 */
public record SiteEntry(String siteId, String name, String riskLevel, List<String> stationIds,
        List<String> escalationStationIds, List<ZoneEntry> zones, List<String> contacts, String version) {

    public SiteEntry {
        Objects.requireNonNull(siteId, "siteId");
        name = name == null ? "" : name;
        riskLevel = riskLevel == null || riskLevel.isEmpty() ? "UNSPECIFIED" : riskLevel;
        stationIds = List.copyOf(stationIds);
        escalationStationIds = List.copyOf(escalationStationIds);
        zones = List.copyOf(zones);
        contacts = List.copyOf(contacts);
        version = version == null ? "" : version;
    }

    public ZoneEntry zone(String zoneId) {
        for (ZoneEntry z : zones) {
            if (z.zoneId().equals(zoneId)) {
                return z;
            }
        }
        return null;
    }
}
