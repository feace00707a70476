package io.tocsin.jobs.registry;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Every known site, with a lookup from a sensor to the zones it votes in. Immutable. */
public final class SiteRegistry {

    public static final SiteRegistry EMPTY = new SiteRegistry(List.of());

    private final Map<String, SiteEntry> sites = new HashMap<>();
    private final Map<String, List<ZoneEntry>> zonesBySensor = new HashMap<>();

    public SiteRegistry(Collection<SiteEntry> entries) {
        for (SiteEntry site : entries) {
            sites.put(site.siteId(), site);
            for (ZoneEntry zone : site.zones()) {
                for (String sensor : zone.sensorIds()) {
                    zonesBySensor.computeIfAbsent(site.siteId() + "/" + sensor, k -> new ArrayList<>()).add(zone);
                }
            }
        }
    }

    /** The site, or null if it is not registered. */
    public SiteEntry site(String siteId) {
        return sites.get(siteId);
    }

    public Collection<SiteEntry> sites() {
        return sites.values();
    }

    /** The stations covering a site; none for a site not registered (its alarms then go to the control room only). */
    public List<String> stationsOf(String siteId) {
        SiteEntry site = sites.get(siteId);
        return site == null ? List.of() : site.stationIds();
    }

    /** The zones a sensor votes in (usually none or one). */
    public List<ZoneEntry> zonesOf(String siteId, String sensorId) {
        return zonesBySensor.getOrDefault(siteId + "/" + sensorId, List.of());
    }

    /** The zone, or null. */
    public ZoneEntry zone(String siteId, String zoneId) {
        SiteEntry site = sites.get(siteId);
        return site == null ? null : site.zone(zoneId);
    }
}
