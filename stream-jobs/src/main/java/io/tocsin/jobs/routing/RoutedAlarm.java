package io.tocsin.jobs.routing;

import io.tocsin.rules.AlarmTransition;
import java.util.List;

/**
 * An alarm transition with where it goes: what the alarm job publishes.
 *
 * @param stationIds      the stations covering the site or, for an escalation, the next responsible station and
 *                        the control room
 * @param escalationLevel 0 for a rule decision or a command; n for the n-th escalation of an unacknowledged alarm
 * @param zoneId          the zone of a zone alarm; empty for a sensor's alarm
 */
public record RoutedAlarm(AlarmTransition transition, List<String> stationIds, int escalationLevel, String zoneId) {

    public RoutedAlarm {
        stationIds = List.copyOf(stationIds);
        zoneId = zoneId == null ? "" : zoneId;
    }

    public static RoutedAlarm of(AlarmTransition transition, List<String> stationIds) {
        return new RoutedAlarm(transition, stationIds, 0, "");
    }

    public String alarmId() {
        return transition.alarmId();
    }
}
