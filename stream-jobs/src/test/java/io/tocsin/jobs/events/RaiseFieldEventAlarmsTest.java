package io.tocsin.jobs.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.tocsin.jobs.alarms.TestRules;
import io.tocsin.jobs.commands.CommandResult;
import io.tocsin.jobs.escalation.EscalationPolicy;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.jobs.testing.AlarmStageHarness;
import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Severity;
import io.tocsin.rules.TransitionCause;
import io.tocsin.rules.lifecycle.AlarmCommand;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The field event stage in an operator harness: fire panel events, device offline, reset, commands, routing. */
class RaiseFieldEventAlarmsTest {

    private static final long T0 = 1_700_000_000_000L;   // the gateway's clock
    private static final String FIRE_1 = "park-1/zone-3/event-fire/1";

    private RaiseFieldEventAlarms stage;
    private AlarmStageHarness<FieldEventInput> harness;

    @BeforeEach
    void open() throws Exception {
        harness = AlarmStageHarness.open(newStage(), FieldEventInput::key);
    }

    private RaiseFieldEventAlarms newStage() {
        stage = new RaiseFieldEventAlarms(TestRules.GAS, TestRules.REGISTRY, EscalationPolicy.DEFAULT_CONTROL_ROOM);
        return stage;
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private void event(String site, String device, String sensor, String unit, long t, double value)
            throws Exception {
        harness.process(FieldEventInput.of(new SensorReading(site, device, sensor, t, value,
                ReadingQuality.GOOD), unit), t);
    }

    private void event(String sensor, String unit, long t, double value) throws Exception {
        event("park-1", "gw-1", sensor, unit, t, value);
    }

    private void command(String id, AlarmCommand c) throws Exception {
        harness.process(FieldEventInput.of(id, c), c.atMs());
    }

    @Test
    void aFireIsARedAlarmRoutedToTheSitesStationThatAnAckAndItsClearReturnToNormal() throws Exception {
        event("zone-3", "event:fire", T0, 1);
        command("ack-1", AlarmCommand.acknowledge(FIRE_1, "li", T0 + 30_000, "crew sent"));
        event("zone-3", "event:fire", T0 + 600_000, 0);

        assertThat(harness.alarms()).extracting(a -> a.transition().alarmId(), a -> a.transition().state(),
                        a -> a.transition().cause(), RoutedAlarm::stationIds)
                .containsExactly(
                        tuple(FIRE_1, AlarmState.ACTIVE_UNACKNOWLEDGED, TransitionCause.CONDITION,
                                List.of("station-07")),
                        tuple(FIRE_1, AlarmState.ACTIVE_ACKNOWLEDGED, TransitionCause.ACKNOWLEDGE,
                                List.of("station-07")),
                        tuple(FIRE_1, AlarmState.NORMAL, TransitionCause.CONDITION, List.of("station-07")));
        assertThat(harness.alarms().get(0).transition()).satisfies(t -> {
            assertThat(t.kind()).isEqualTo(AlarmKind.PROCESS);
            assertThat(t.severity()).isEqualTo(Severity.RED);
            assertThat(t.ruleId()).isEqualTo("event-fire");
            assertThat(t.deviceId()).isEqualTo("gw-1");
            assertThat(t.eventTimeMs()).isEqualTo(T0);
            assertThat(t.ruleSetVersion()).isEqualTo("test-1");
        });
        assertThat(harness.alarms().get(1).transition().actor()).isEqualTo("li");
        assertThat(harness.commandResults()).extracting(CommandResult::commandId, CommandResult::accepted)
                .containsExactly(tuple("ack-1", true));
    }

    @Test
    void aClearBeforeTheAckLeavesTheFireReturnedUnacknowledged() throws Exception {
        event("zone-3", "event:fire", T0, 1);
        event("zone-3", "event:fire", T0 + 5_000, 0);

        assertThat(harness.alarms()).extracting(a -> a.transition().alarmId(), a -> a.transition().state())
                .containsExactly(tuple(FIRE_1, AlarmState.ACTIVE_UNACKNOWLEDGED),
                        tuple(FIRE_1, AlarmState.RETURNED_UNACKNOWLEDGED));
    }

    @Test
    void replayedEventsGiveTheSameAlarmIdsAndARepeatedFireRaisesNothingNew() throws Exception {
        event("zone-3", "event:fire", T0, 1);
        event("zone-3", "event:fire", T0, 1);                 // the same event again (the gateway resent it)
        event("zone-3", "event:fire", T0 + 1_000, 0);
        event("zone-3", "event:fire", T0 + 2_000, 1);
        List<RoutedAlarm> first = harness.alarms();
        assertThat(first).extracting(a -> a.transition().alarmId()).containsExactly(FIRE_1, FIRE_1,
                "park-1/zone-3/event-fire/2");

        harness.close();                                       // a restart without a checkpoint replays them all
        harness = AlarmStageHarness.open(newStage(), FieldEventInput::key);
        event("zone-3", "event:fire", T0, 1);
        event("zone-3", "event:fire", T0, 1);
        event("zone-3", "event:fire", T0 + 1_000, 0);
        event("zone-3", "event:fire", T0 + 2_000, 1);
        assertThat(harness.alarms()).extracting(a -> a.transition().alarmId(), a -> a.transition().state())
                .containsExactlyElementsOf(first.stream().map(a -> tuple(a.transition().alarmId(),
                        a.transition().state())).toList());
    }

    @Test
    void afterARestoreFromACheckpointAnEventReplayedFromBeforeItChangesNothingAndTheClearReturnsTheSameAlarm()
            throws Exception {
        event("zone-3", "event:fire", T0, 1);
        var snapshot = harness.snapshot();
        harness.close();

        harness = AlarmStageHarness.restore(newStage(), FieldEventInput::key, snapshot);
        event("zone-3", "event:fire", T0, 1);                  // replayed from the source after the restore
        event("zone-3", "event:fire", T0 + 5_000, 0);

        assertThat(harness.alarms()).extracting(a -> a.transition().alarmId(), a -> a.transition().state())
                .containsExactly(tuple(FIRE_1, AlarmState.RETURNED_UNACKNOWLEDGED));
    }

    @Test
    void anUnknownEventKindIsCountedAndDroppedAndTheStageGoesOn() throws Exception {
        event("zone-3", "event:smoke", T0, 1);
        event("zone-3", "event:", T0 + 1, 1);
        assertThat(harness.alarms()).isEmpty();
        assertThat(stage.count(RaiseFieldEventAlarms.UNKNOWN_KINDS)).isEqualTo(2);

        event("zone-3", "event:FIRE", T0 + 2, 1);
        assertThat(harness.alarms()).extracting(a -> a.transition().alarmId()).containsExactly(FIRE_1);
    }

    @Test
    void aDeviceOfflineIsAYellowFaultThatItsOnlineEventReturns() throws Exception {
        event("plc-1", "event:offline", T0, 1);
        event("plc-1", "event:online", T0 + 20_000, 1);

        assertThat(harness.alarms()).extracting(a -> a.transition().alarmId(), a -> a.transition().state(),
                        a -> a.transition().kind(), a -> a.transition().severity(), RoutedAlarm::stationIds)
                .containsExactly(
                        tuple("park-1/plc-1/event-offline/1", AlarmState.ACTIVE_UNACKNOWLEDGED, AlarmKind.FAULT,
                                Severity.YELLOW, List.of("station-07")),
                        tuple("park-1/plc-1/event-offline/1", AlarmState.RETURNED_UNACKNOWLEDGED, AlarmKind.FAULT,
                                Severity.YELLOW, List.of("station-07")));
    }

    @Test
    void aLocalGatewayAlarmIsCountedButRaisesNothingAndOneOnASensorWithoutPlatformRuleIsCountedApart()
            throws Exception {
        event("gas-05/gas-high/3", "event:alarm", T0, 1);            // the rule file has rules for gas-*
        assertThat(stage.count(RaiseFieldEventAlarms.LOCAL_ALARMS_WITHOUT_RULE)).isZero();
        event("temp-01/hot/1", "event:alarm", T0 + 1, 1);            // but none for temp-01
        assertThat(harness.alarms()).isEmpty();
        assertThat(stage.count(RaiseFieldEventAlarms.LOCAL_ALARMS)).isEqualTo(2);
        assertThat(stage.count(RaiseFieldEventAlarms.LOCAL_ALARMS_WITHOUT_RULE)).isEqualTo(1);
        assertThat(RaiseFieldEventAlarms.localAlarmSensor("loop-1/7/heat/2")).isEqualTo("loop-1/7");
    }

    @Test
    void aResetReturnsTheFiresAndFaultsOfItsGatewayOnlyAndTheNextFireIsANewActivation() throws Exception {
        event("zone-3", "event:fire", T0, 1);
        event("loop-2", "event:fault", T0 + 1, 1);
        event("plc-1", "event:offline", T0 + 2, 1);                              // not a panel point
        event("park-1", "gw-2", "zone-9", "event:fire", T0 + 3, 1);              // another gateway's panel
        harness.clearAlarms();

        event("panel-1", "event:reset", T0 + 60_000, 1);
        assertThat(harness.alarms()).extracting(a -> a.transition().alarmId(), a -> a.transition().state())
                .containsExactlyInAnyOrder(
                        tuple(FIRE_1, AlarmState.RETURNED_UNACKNOWLEDGED),
                        tuple("park-1/loop-2/event-fault/1", AlarmState.RETURNED_UNACKNOWLEDGED));
        assertThat(stage.count(RaiseFieldEventAlarms.RESETS)).isEqualTo(1);

        harness.clearAlarms();
        event("zone-3", "event:fire", T0 + 120_000, 1);
        assertThat(harness.alarms()).extracting(a -> a.transition().alarmId(), a -> a.transition().state())
                .containsExactly(tuple("park-1/zone-3/event-fire/2", AlarmState.ACTIVE_UNACKNOWLEDGED));
    }

    @Test
    void aRedFireCannotBeShelvedButAFaultIsUntilTheShelveExpires() throws Exception {
        event("zone-3", "event:fire", T0, 1);
        event("loop-2", "event:fault", T0, 1);
        command("shelve-fire", AlarmCommand.shelve("park-1", "zone-3", "event-fire", "li", T0 + 1_000,
                T0 + 3_600_000, "drill"));
        command("shelve-fault", AlarmCommand.shelve("park-1", "loop-2", "event-fault", "li", T0 + 1_000,
                T0 + 61_000, "technician on the loop"));
        command("ack-unknown", AlarmCommand.acknowledge("park-1/zone-4/event-fire/1", "li", T0 + 1_000, ""));
        assertThat(harness.commandResults()).extracting(CommandResult::commandId, CommandResult::accepted)
                .containsExactly(tuple("shelve-fire", false), tuple("shelve-fault", true),
                        tuple("ack-unknown", false));

        harness.setProcessingTime(61_000 - 1);   // the shelve ends at T0 + 61 s, the clock mapped at T0 = 0
        assertThat(harness.alarms()).extracting(a -> a.transition().cause())
                .doesNotContain(TransitionCause.SHELVE_EXPIRED);
        harness.setProcessingTime(61_000);
        assertThat(harness.alarms()).filteredOn(a -> a.transition().ruleId().equals("event-fault"))
                .extracting(a -> a.transition().state(), a -> a.transition().cause())
                .containsExactly(tuple(AlarmState.ACTIVE_UNACKNOWLEDGED, TransitionCause.CONDITION),
                        tuple(AlarmState.SHELVED, TransitionCause.SHELVE),
                        tuple(AlarmState.ACTIVE_UNACKNOWLEDGED, TransitionCause.SHELVE_EXPIRED));
    }

    @Test
    void aSensorWideSuppressTakesEveryFieldEventAlarmOfThePointOutOfServiceVisiblyAndUnsuppressAnnouncesWhatIsOn()
            throws Exception {
        event("zone-3", "event:fire", T0, 1);
        event("zone-3", "event:fault", T0 + 1, 1);
        event("zone-4", "event:fire", T0 + 2, 1);                  // another point of the same panel
        harness.clearAlarms();

        command("sup", AlarmCommand.suppress("park-1", "zone-3", "li", T0 + 10_000, "detector head replaced"));
        event("zone-3", "event:fire", T0 + 20_000, 0);             // suppressed: followed silently
        event("zone-3", "event:fire", T0 + 30_000, 1);             // a test fire during the maintenance: silent
        event("zone-4", "event:fire", T0 + 30_000, 0);             // not suppressed: annunciated
        command("unsup", AlarmCommand.unsuppress("park-1", "zone-3", "li", T0 + 40_000, "done"));

        assertThat(harness.alarms()).extracting(a -> a.transition().alarmId(), a -> a.transition().state(),
                        a -> a.transition().cause(), RoutedAlarm::stationIds)
                .containsExactly(
                        tuple(FIRE_1, AlarmState.SUPPRESSED, TransitionCause.SUPPRESS, List.of("station-07")),
                        tuple("park-1/zone-3/event-fault/1", AlarmState.SUPPRESSED, TransitionCause.SUPPRESS,
                                List.of("station-07")),
                        tuple("park-1/zone-4/event-fire/1", AlarmState.RETURNED_UNACKNOWLEDGED,
                                TransitionCause.CONDITION, List.of("station-07")),
                        // the fire cleared and came back while suppressed: a new activation, annunciated now
                        tuple("park-1/zone-3/event-fire/2", AlarmState.ACTIVE_UNACKNOWLEDGED,
                                TransitionCause.UNSUPPRESS, List.of("station-07")),
                        tuple("park-1/zone-3/event-fault/1", AlarmState.ACTIVE_UNACKNOWLEDGED,
                                TransitionCause.UNSUPPRESS, List.of("station-07")));
        assertThat(harness.alarms().get(0).transition()).satisfies(t -> {
            assertThat(t.severity()).isEqualTo(Severity.RED);
            assertThat(t.actor()).isEqualTo("li");
            assertThat(t.comment()).isEqualTo("detector head replaced");
            assertThat(t.eventTimeMs()).isEqualTo(T0 + 10_000);
        });
        assertThat(stage.count(RaiseFieldEventAlarms.EVENTS_WHILE_SUPPRESSED)).isEqualTo(2);
        // Answered as parts, which MergeSensorWideResults merges with the sensor stage's.
        assertThat(harness.commandResultParts()).extracting(CommandResult::commandId, CommandResult::accepted)
                .containsExactly(tuple("sup", true), tuple("unsup", true));
        assertThat(harness.commandResults()).isEmpty();
    }

    @Test
    void aPointNeverSeenSuppressedBeforeACheckpointStartsSuppressedWhenItFirstReportsAndShowsWhoSuppressedIt()
            throws Exception {
        command("sup", AlarmCommand.suppress("park-1", "zone-3", "li", T0, "loop 2 maintenance"));
        assertThat(harness.alarms()).isEmpty();                   // the point has no alarm to show yet
        var snapshot = harness.snapshot();
        harness.close();
        harness = AlarmStageHarness.restore(newStage(), FieldEventInput::key, snapshot);

        event("zone-3", "event:fire", T0 + 5_000, 1);
        event("zone-3", "event:fault", T0 + 6_000, 1);
        event("zone-5", "event:fire", T0 + 7_000, 1);              // another point: annunciated
        command("unsup", AlarmCommand.unsuppress("park-1", "zone-3", "li", T0 + 60_000, "done"));

        assertThat(harness.alarms()).extracting(a -> a.transition().alarmId(), a -> a.transition().state(),
                        a -> a.transition().cause(), a -> a.transition().actor(), a -> a.transition().eventTimeMs())
                .containsExactly(
                        tuple("park-1/zone-3/event-fire/0", AlarmState.SUPPRESSED, TransitionCause.SUPPRESS, "li", T0),
                        tuple("park-1/zone-3/event-fault/0", AlarmState.SUPPRESSED, TransitionCause.SUPPRESS, "li",
                                T0),
                        tuple("park-1/zone-5/event-fire/1", AlarmState.ACTIVE_UNACKNOWLEDGED,
                                TransitionCause.CONDITION, "", T0 + 7_000),
                        tuple(FIRE_1, AlarmState.ACTIVE_UNACKNOWLEDGED, TransitionCause.UNSUPPRESS, "li",
                                T0 + 60_000),
                        tuple("park-1/zone-3/event-fault/1", AlarmState.ACTIVE_UNACKNOWLEDGED,
                                TransitionCause.UNSUPPRESS, "li", T0 + 60_000));
        assertThat(harness.alarms().get(0).transition().comment()).isEqualTo("loop 2 maintenance");
        assertThat(harness.commandResultParts()).extracting(CommandResult::commandId, CommandResult::accepted)
                .containsExactly(tuple("unsup", true));
    }

    @Test
    void aSuppressionOfAPointThatReportsNothingForLongerThanTheLimitLapsesAndItsFireIsAnnunciated()
            throws Exception {
        long limit = RaiseFieldEventAlarms.UNSEEN_POINT_SUPPRESSION_LIMIT.toMillis();
        command("sup-3", AlarmCommand.suppress("park-1", "zone-3", "li", T0, "typo: meant zone-8"));
        command("sup-5", AlarmCommand.suppress("park-1", "zone-5", "li", T0, "loop 5 maintenance"));
        event("zone-5", "event:fault", T0 + 60_000, 1);           // zone-5 shows its suppression on the console

        event("zone-3", "event:fire", T0 + limit + 1, 1);          // months later, a point of that id: a real fire
        event("zone-5", "event:fire", T0 + limit + 2, 1);          // out of service and shown so: stays suppressed

        assertThat(harness.alarms()).extracting(a -> a.transition().alarmId(), a -> a.transition().state(),
                        a -> a.transition().cause())
                .containsExactly(
                        tuple("park-1/zone-5/event-fault/0", AlarmState.SUPPRESSED, TransitionCause.SUPPRESS),
                        tuple(FIRE_1, AlarmState.ACTIVE_UNACKNOWLEDGED, TransitionCause.CONDITION),
                        tuple("park-1/zone-5/event-fire/0", AlarmState.SUPPRESSED, TransitionCause.SUPPRESS));
        assertThat(stage.count(RaiseFieldEventAlarms.SUPPRESSIONS_LAPSED)).isEqualTo(1);
    }

    @Test
    void oneAlarmOfASuppressedPointCanBePutBackInServiceBeforeItFirstReports() throws Exception {
        command("sup", AlarmCommand.suppress("park-1", "zone-3", "li", T0, "loop 2 maintenance"));
        command("fire-back", new AlarmCommand(AlarmCommand.Type.UNSUPPRESS, "park-1", "zone-3", "event-fire", null,
                "li", "fire detection back first", T0 + 1_000, 0));
        event("zone-3", "event:fire", T0 + 5_000, 1);
        event("zone-3", "event:fault", T0 + 6_000, 1);

        assertThat(harness.alarms()).extracting(a -> a.transition().alarmId(), a -> a.transition().state(),
                        a -> a.transition().cause())
                .containsExactly(
                        tuple("park-1/zone-3/event-fire/0", AlarmState.SUPPRESSED, TransitionCause.SUPPRESS),
                        tuple("park-1/zone-3/event-fire/0", AlarmState.NORMAL, TransitionCause.UNSUPPRESS),
                        tuple(FIRE_1, AlarmState.ACTIVE_UNACKNOWLEDGED, TransitionCause.CONDITION),
                        tuple("park-1/zone-3/event-fault/0", AlarmState.SUPPRESSED, TransitionCause.SUPPRESS));
        assertThat(harness.commandResults()).extracting(CommandResult::commandId, CommandResult::accepted)
                .containsExactly(tuple("fire-back", true));
    }

    @Test
    void aSensorWideCommandThatChangesNoFieldEventAlarmIsAnsweredWithARefusedPartThatSaysWhy() throws Exception {
        command("no-why", AlarmCommand.suppress("park-1", "zone-3", "li", T0, ""));
        command("nobody", AlarmCommand.suppress("park-1", "zone-3", "", T0, "maintenance"));
        command("zone", AlarmCommand.suppress("park-1", "tank-farm", "li", T0, "maintenance"));
        command("unsup-none", AlarmCommand.unsuppress("park-1", "zone-3", "li", T0, ""));
        command("sup", AlarmCommand.suppress("park-1", "zone-3", "li", T0, "maintenance"));
        command("sup-again", AlarmCommand.suppress("park-1", "zone-3", "li", T0 + 1, "maintenance"));

        assertThat(harness.alarms()).isEmpty();
        assertThat(harness.commandResultParts()).extracting(CommandResult::commandId, CommandResult::accepted,
                        CommandResult::refusal)
                .containsExactly(
                        tuple("no-why", false, "a SUPPRESS must say why"),
                        tuple("nobody", false, "a command must say who issued it"),
                        tuple("zone", false, "park-1/tank-farm is a zone, which reports no field events"),
                        tuple("unsup-none", false, "the field events of park-1/zone-3 are not suppressed"),
                        tuple("sup", true, ""),
                        tuple("sup-again", false, "the field events of park-1/zone-3 are already suppressed"));
    }

    @Test
    void aSiteNoStationCoversGoesToTheControlRoom() throws Exception {
        event("park-9", "gw-1", "zone-1", "event:fire", T0, 1);
        assertThat(harness.alarms()).extracting(RoutedAlarm::stationIds)
                .containsExactly(List.of(EscalationPolicy.DEFAULT_CONTROL_ROOM));
    }
}
