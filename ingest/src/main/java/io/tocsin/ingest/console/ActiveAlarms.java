package io.tocsin.ingest.console;

import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The alarms a console shows: the latest {@link AlarmEvent} of every alarm activation that is not back to NORMAL
 * (an alarm that returned and was acknowledged drops out). Fed in topic order; confined to one thread (the
 * console's event loop), so it has no locks.
 *
 * <p>Besides the latest event it remembers, per alarm, every station the job routed it to (so a neighbour it was
 * escalated to keeps seeing it after the covering station's next event) and the stations it was first routed to
 * (so the neighbour can be told whom it was escalated from).
 */
final class ActiveAlarms {

    /** One active alarm. */
    record Entry(AlarmEvent latest, Set<String> routedTo, Set<String> firstRoutedTo) {

        boolean visibleTo(Viewer viewer) {
            return viewer.coversSite(latest.getSiteId()) || routedTo.contains(viewer.name());
        }

        /** For a station that does not cover the site: the stations it was escalated from; empty otherwise. */
        List<String> escalatedToFrom(Viewer viewer) {
            if (viewer.coversSite(latest.getSiteId()) || !routedTo.contains(viewer.name())
                    || firstRoutedTo.contains(viewer.name())) {
                return List.of();
            }
            return List.copyOf(firstRoutedTo);
        }
    }

    /** What an event did to the table. */
    enum Change { ADDED_OR_UPDATED, REMOVED, NONE }

    /** Active (condition present) first, then returned, shelved, suppressed; within each red before orange before yellow before blue, then oldest first. */
    static final Comparator<Entry> CONSOLE_ORDER = Comparator
            .comparingInt((Entry e) -> stateRank(e.latest().getState()))
            .thenComparingInt(e -> severityRank(e.latest().getSeverityValue()))
            .thenComparingLong(e -> e.latest().getRaisedAtMs())
            .thenComparing(e -> e.latest().getAlarmId());

    private final Map<String, Entry> byAlarmId = new HashMap<>();

    Change apply(AlarmEvent event) {
        String id = event.getAlarmId();
        if (id.isEmpty() || event.getState() == AlarmState.ALARM_STATE_UNSPECIFIED
                || event.getState() == AlarmState.UNRECOGNIZED) {
            return Change.NONE;
        }
        if (event.getState() == AlarmState.ALARM_STATE_NORMAL) {
            return byAlarmId.remove(id) == null ? Change.NONE : Change.REMOVED;
        }
        Entry previous = byAlarmId.get(id);
        if (previous != null && previous.latest().equals(event)) {
            return Change.NONE; // a replayed duplicate
        }
        Set<String> routedTo = new LinkedHashSet<>(previous == null ? List.of() : previous.routedTo());
        routedTo.addAll(event.getStationIdsList());
        Set<String> firstRoutedTo = previous != null && !previous.firstRoutedTo().isEmpty()
                ? previous.firstRoutedTo()
                : event.getEscalationLevel() == 0 ? Set.copyOf(event.getStationIdsList()) : Set.of();
        byAlarmId.put(id, new Entry(event, Set.copyOf(routedTo), firstRoutedTo));
        return Change.ADDED_OR_UPDATED;
    }

    Optional<Entry> find(String alarmId) {
        return Optional.ofNullable(byAlarmId.get(alarmId));
    }

    /** What the viewer may see, in console order. */
    List<Entry> visibleTo(Viewer viewer) {
        return byAlarmId.values().stream().filter(e -> e.visibleTo(viewer)).sorted(CONSOLE_ORDER).toList();
    }

    int size() {
        return byAlarmId.size();
    }

    private static int stateRank(AlarmState state) {
        return switch (state) {
            case ALARM_STATE_ACTIVE_UNACKNOWLEDGED, ALARM_STATE_ACTIVE_ACKNOWLEDGED -> 0;
            case ALARM_STATE_RETURNED_UNACKNOWLEDGED -> 1;
            case ALARM_STATE_SHELVED -> 2;
            default -> 3;
        };
    }

    private static int severityRank(int severity) {
        return severity >= 1 && severity <= 4 ? severity : 5;
    }
}
