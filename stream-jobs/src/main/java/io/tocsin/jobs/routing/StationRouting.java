package io.tocsin.jobs.routing;

import io.tocsin.jobs.registry.SiteRegistry;
import io.tocsin.rules.AlarmTransition;
import java.util.List;

/** Who gets an alarm: the stations covering its site; the control room for a site nobody covers. */
public final class StationRouting {

    private StationRouting() {
    }

    public static RoutedAlarm route(AlarmTransition t, SiteRegistry registry, String controlRoomId, String zoneId) {
        List<String> stations = registry.stationsOf(t.siteId());
        return new RoutedAlarm(t, stations.isEmpty() ? List.of(controlRoomId) : stations, 0, zoneId);
    }
}
