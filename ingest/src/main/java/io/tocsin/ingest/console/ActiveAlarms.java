package io.tocsin.ingest.console;

import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
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
 *
 * <p>While the feed reads the topic's history ({@link #historyStarts()} to {@link #historyLoaded()}), new events
 * ({@link #apply}) and older ones ({@link #applyHistoric}) arrive interleaved: every event of the history is older
 * than every new one, so an alarm that had a new event keeps it, and its older events only add the stations they
 * were routed to.
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
    /** Alarms that had a new event since the history started to be read; null when no history is read. */
    private Set<String> updatedWhileHistoryLoads;

    /** The history is read (again) from the beginning: new events arrive meanwhile. */
    void historyStarts() {
        updatedWhileHistoryLoads = new HashSet<>();
    }

    /** The history is read: every event from now on is a new one. */
    void historyLoaded() {
        updatedWhileHistoryLoads = null;
    }

    /** A new event, in topic order per site. */
    Change apply(AlarmEvent event) {
        if (!valid(event)) {
            return Change.NONE;
        }
        if (updatedWhileHistoryLoads != null) {
            updatedWhileHistoryLoads.add(event.getAlarmId());
        }
        return applyInOrder(event);
    }

    /**
     * An event of the history, in topic order per site. For an alarm that had a new event meanwhile it only adds
     * the stations it was routed to, and names the stations the alarm was first routed to if no new event did (an
     * alarm that ended meanwhile stays ended).
     */
    Change applyHistoric(AlarmEvent event) {
        if (!valid(event)) {
            return Change.NONE;
        }
        if (updatedWhileHistoryLoads == null || !updatedWhileHistoryLoads.contains(event.getAlarmId())) {
            return applyInOrder(event);
        }
        Entry current = byAlarmId.get(event.getAlarmId());
        if (current == null) {
            return Change.NONE;
        }
        Set<String> routedTo = new LinkedHashSet<>(current.routedTo());
        boolean moreStations = routedTo.addAll(event.getStationIdsList());
        boolean firstNamed = current.firstRoutedTo().isEmpty() && event.getEscalationLevel() == 0
                && event.getStationIdsCount() > 0;
        if (!moreStations && !firstNamed) {
            return Change.NONE;
        }
        byAlarmId.put(event.getAlarmId(), new Entry(current.latest(), Set.copyOf(routedTo),
                firstNamed ? Set.copyOf(event.getStationIdsList()) : current.firstRoutedTo()));
        return Change.ADDED_OR_UPDATED;
    }

    private static boolean valid(AlarmEvent event) {
        return !event.getAlarmId().isEmpty() && event.getState() != AlarmState.ALARM_STATE_UNSPECIFIED
                && event.getState() != AlarmState.UNRECOGNIZED;
    }

    private Change applyInOrder(AlarmEvent event) {
        String id = event.getAlarmId();
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
