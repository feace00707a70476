package io.tocsin.ingest.console;

import static io.tocsin.ingest.console.ConsoleServerTest.raised;
import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;
import io.tocsin.proto.v1.Severity;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ActiveAlarmsTest {

    private final ActiveAlarms alarms = new ActiveAlarms();
    private final Viewer station7 = new Viewer("station-07", Set.of("park-1"), false);
    private final Viewer station9 = new Viewer("station-09", Set.of("works-2"), false);

    @Test
    void aReplayedDuplicateChangesNothingAndNormalRemoves() {
        AlarmEvent alarm = raised("park-1", "gas-01", 1_000, Severity.SEVERITY_RED);
        assertThat(alarms.apply(alarm)).isEqualTo(ActiveAlarms.Change.ADDED_OR_UPDATED);
        assertThat(alarms.apply(alarm)).isEqualTo(ActiveAlarms.Change.NONE);
        assertThat(alarms.apply(alarm.toBuilder().setState(AlarmState.ALARM_STATE_NORMAL).build()))
                .isEqualTo(ActiveAlarms.Change.REMOVED);
        assertThat(alarms.size()).isZero();
        assertThat(alarms.apply(alarm.toBuilder().setState(AlarmState.ALARM_STATE_NORMAL).build()))
                .as("a NORMAL for an alarm not in the list").isEqualTo(ActiveAlarms.Change.NONE);
    }

    @Test
    void aNeighbourKeepsSeeingAnAlarmEscalatedToItAfterLaterEventsOfTheCoveringStation() {
        AlarmEvent alarm = raised("park-1", "gas-01", 1_000, Severity.SEVERITY_RED);
        alarms.apply(alarm);
        assertThat(alarms.visibleTo(station9)).isEmpty();
        alarms.apply(alarm.toBuilder().setEscalationLevel(1).clearStationIds().addStationIds("station-09").build());
        alarms.apply(alarm.toBuilder().setState(AlarmState.ALARM_STATE_ACTIVE_ACKNOWLEDGED).setActor("station-07")
                .build());

        assertThat(alarms.visibleTo(station9)).hasSize(1);
        ActiveAlarms.Entry entry = alarms.visibleTo(station9).get(0);
        assertThat(entry.escalatedToFrom(station9)).containsExactly("station-07");
        assertThat(entry.escalatedToFrom(station7)).as("the covering station was not escalated to").isEmpty();
        assertThat(entry.latest().getActor()).isEqualTo("station-07");
    }

    @Test
    void whileTheHistoryIsReadANewEventWinsAndOlderOnesOnlyAddTheirStations() {
        AlarmEvent acknowledged = raised("park-1", "gas-01", 1_000, Severity.SEVERITY_RED);
        AlarmEvent escalated = raised("park-1", "gas-02", 2_000, Severity.SEVERITY_RED);
        AlarmEvent ended = raised("park-1", "gas-03", 3_000, Severity.SEVERITY_ORANGE);
        AlarmEvent untouched = raised("park-1", "gas-04", 4_000, Severity.SEVERITY_YELLOW);
        alarms.historyStarts();

        // New events first: the history reader is still behind.
        alarms.apply(acknowledged.toBuilder().setState(AlarmState.ALARM_STATE_ACTIVE_ACKNOWLEDGED)
                .setActor("station-07").build());
        alarms.apply(escalated.toBuilder().setEscalationLevel(1).clearStationIds().addStationIds("station-09")
                .build());
        alarms.apply(ended.toBuilder().setState(AlarmState.ALARM_STATE_NORMAL).build());
        // Then the history, older than all of them.
        assertThat(alarms.applyHistoric(acknowledged)).isEqualTo(ActiveAlarms.Change.NONE);
        assertThat(alarms.applyHistoric(acknowledged.toBuilder().setEscalationLevel(1).clearStationIds()
                .addStationIds("station-09").build()))
                .as("an escalation of the history adds its station").isEqualTo(ActiveAlarms.Change.ADDED_OR_UPDATED);
        assertThat(alarms.applyHistoric(escalated))
                .as("the history names whom the alarm was first routed to").isEqualTo(ActiveAlarms.Change.ADDED_OR_UPDATED);
        assertThat(alarms.applyHistoric(ended)).as("an alarm that ended meanwhile stays ended")
                .isEqualTo(ActiveAlarms.Change.NONE);
        assertThat(alarms.applyHistoric(untouched)).isEqualTo(ActiveAlarms.Change.ADDED_OR_UPDATED);
        alarms.historyLoaded();

        assertThat(alarms.visibleTo(station7)).extracting(e -> e.latest().getSensorId())
                .containsExactlyInAnyOrder("gas-01", "gas-02", "gas-04");
        assertThat(alarms.find(acknowledged.getAlarmId()).orElseThrow().latest().getState())
                .isEqualTo(AlarmState.ALARM_STATE_ACTIVE_ACKNOWLEDGED);
        assertThat(alarms.visibleTo(station9)).extracting(e -> e.latest().getSensorId())
                .containsExactlyInAnyOrder("gas-01", "gas-02");
        assertThat(alarms.visibleTo(station9)).allSatisfy(
                entry -> assertThat(entry.escalatedToFrom(station9)).containsExactly("station-07"));
        assertThat(alarms.find(escalated.getAlarmId()).orElseThrow().latest().getEscalationLevel()).isEqualTo(1);

        // Once loaded, an event is applied in order again, whoever had one before.
        alarms.applyHistoric(ended);
        assertThat(alarms.find(ended.getAlarmId())).isPresent();
    }
}
