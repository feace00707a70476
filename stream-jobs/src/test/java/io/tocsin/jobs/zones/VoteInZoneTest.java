package io.tocsin.jobs.zones;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.tocsin.jobs.alarms.EvaluateAlarmRules;
import io.tocsin.jobs.alarms.Harnesses;
import io.tocsin.jobs.alarms.TestRules;
import io.tocsin.jobs.commands.CommandResult;
import io.tocsin.jobs.commands.MergeSensorWideResults;
import io.tocsin.jobs.registry.RegistryEntry;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.Severity;
import io.tocsin.rules.TransitionCause;
import io.tocsin.rules.lifecycle.AlarmCommand;
import io.tocsin.rules.voting.MemberState;
import java.time.Duration;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Zone tank-farm of park-1: gas-01..03, 2 of 3 confirm a RED zone alarm. */
class VoteInZoneTest {

    private KeyedBroadcastOperatorTestHarness<String, ZoneInput, RegistryEntry, RoutedAlarm> harness;

    @BeforeEach
    void open() throws Exception {
        harness = Harnesses.keyed(new VoteInZone(TestRules.GAS, TestRules.REGISTRY, "control-room",
                Duration.ofSeconds(120)), ZoneInput::key);
        harness.open();
        harness.setProcessingTime(0);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private void member(String sensor, MemberState state, long t) throws Exception {
        harness.processElement(ZoneInput.member("park-1", "tank-farm", sensor, state, t), t);
    }

    @Test
    void oneDetectorIsNotEnoughTwoConfirmAndTheZoneReturnsWhenOneClears() throws Exception {
        member("gas-01", MemberState.NORMAL, 1_000);
        member("gas-02", MemberState.NORMAL, 1_000);
        member("gas-03", MemberState.NORMAL, 1_000);
        member("gas-01", MemberState.ALARM, 5_000);
        assertThat(harness.extractOutputValues()).as("one detector of three").isEmpty();

        member("gas-02", MemberState.ALARM, 9_000);
        member("gas-02", MemberState.NORMAL, 20_000);

        assertThat(harness.extractOutputValues()).extracting(a -> a.transition().alarmId(),
                        a -> a.transition().state(), a -> a.transition().severity(), RoutedAlarm::stationIds,
                        RoutedAlarm::zoneId)
                .containsExactly(
                        tuple("park-1/tank-farm/zone-vote/1", AlarmState.ACTIVE_UNACKNOWLEDGED, Severity.RED,
                                List.of("station-07"), "tank-farm"),
                        tuple("park-1/tank-farm/zone-vote/1", AlarmState.RETURNED_UNACKNOWLEDGED, Severity.RED,
                                List.of("station-07"), "tank-farm"));
        assertThat(harness.extractOutputValues().get(0).transition().value()).as("votes").isEqualTo(2.0);
        assertThat(harness.extractOutputValues().get(0).transition().ruleSetVersion()).isEqualTo("reg-1");
    }

    @Test
    void aZoneDoesNotConfirmOnDetectorsNotHeardOfUntilTheWarmUpHasPassed() throws Exception {
        member("gas-01", MemberState.ALARM, 1_000);   // the other two are unknown: FAULT, but not yet counted
        assertThat(harness.extractOutputValues()).isEmpty();

        harness.setProcessingTime(120_000);            // still silent after the warm-up: fail-safe, confirmed
        assertThat(harness.extractOutputValues()).singleElement()
                .extracting(a -> a.transition().state()).isEqualTo(AlarmState.ACTIVE_UNACKNOWLEDGED);
    }

    @Test
    void theZoneAlarmIsAcknowledgedHereAndAShelveTheSitePolicyForbidsIsRefused() throws Exception {
        member("gas-01", MemberState.ALARM, 1_000);
        member("gas-02", MemberState.ALARM, 1_000);
        member("gas-03", MemberState.NORMAL, 1_000);
        harness.processElement(ZoneInput.command("tank-farm", "c-ack",
                AlarmCommand.acknowledge("park-1/tank-farm/zone-vote/1", "li", 2_000, "crew sent")), 2_000);
        harness.processElement(ZoneInput.command("tank-farm", "c-shelve",
                AlarmCommand.shelve("park-1", "tank-farm", "zone-vote", "li", 2_000, 9_000, "noise")), 2_000);

        assertThat(harness.extractOutputValues()).extracting(a -> a.transition().state(), a -> a.transition().cause())
                .containsExactly(tuple(AlarmState.ACTIVE_UNACKNOWLEDGED, TransitionCause.CONDITION),
                        tuple(AlarmState.ACTIVE_ACKNOWLEDGED, TransitionCause.ACKNOWLEDGE));
        assertThat(harness.getSideOutput(EvaluateAlarmRules.COMMAND_RESULTS)).extracting(StreamRecord::getValue)
                .extracting(CommandResult::commandId, CommandResult::accepted)
                .containsExactly(tuple("c-ack", true), tuple("c-shelve", false));
        assertThat(results().get(1).refusal()).contains("forbids shelving RED");
    }

    private List<CommandResult> results() {
        return harness.getSideOutput(EvaluateAlarmRules.COMMAND_RESULTS).stream().map(StreamRecord::getValue).toList();
    }

    private void command(String id, AlarmCommand c) throws Exception {
        harness.processElement(ZoneInput.command("tank-farm", id, c), c.atMs());
    }

    private void confirmed() throws Exception {
        member("gas-01", MemberState.ALARM, 1_000);
        member("gas-02", MemberState.ALARM, 1_000);
        member("gas-03", MemberState.NORMAL, 1_000);
    }

    @Test
    void aSuppressedZoneAlarmFollowsItsVotesSilentlyAndIsAnnunciatedAsItIsWhenUnsuppressed() throws Exception {
        confirmed();
        command("sup", AlarmCommand.suppress("park-1", "tank-farm", "li", 2_000, "detectors recalibrated"));
        member("gas-02", MemberState.NORMAL, 3_000);             // the vote drops to 1 of 3: silent
        member("gas-02", MemberState.ALARM, 4_000);              // and back: silent
        command("unsup", AlarmCommand.unsuppress("park-1", "tank-farm", "li", 5_000, "done"));
        command("sup-no-why", AlarmCommand.suppress("park-1", "tank-farm", "li", 6_000, ""));

        assertThat(harness.extractOutputValues()).extracting(a -> a.transition().alarmId(),
                        a -> a.transition().state(), a -> a.transition().cause(), RoutedAlarm::stationIds)
                .containsExactly(
                        tuple("park-1/tank-farm/zone-vote/1", AlarmState.ACTIVE_UNACKNOWLEDGED,
                                TransitionCause.CONDITION, List.of("station-07")),
                        tuple("park-1/tank-farm/zone-vote/1", AlarmState.SUPPRESSED, TransitionCause.SUPPRESS,
                                List.of("station-07")),
                        tuple("park-1/tank-farm/zone-vote/2", AlarmState.ACTIVE_UNACKNOWLEDGED,
                                TransitionCause.UNSUPPRESS, List.of("station-07")));
        assertThat(harness.extractOutputValues().get(1).transition().comment()).isEqualTo("detectors recalibrated");
        // Sensor-wide commands (no rule id) reach the field event stage too: answered as parts, merged later.
        List<CommandResult> parts = harness.getSideOutput(MergeSensorWideResults.PARTS).stream()
                .map(StreamRecord::getValue).toList();
        assertThat(parts).extracting(CommandResult::commandId, CommandResult::accepted)
                .containsExactly(tuple("sup", true), tuple("unsup", true), tuple("sup-no-why", false));
        assertThat(parts.get(2).refusal()).contains("must say why");
    }

    @Test
    void aShelvedZoneAlarmReturnsWhenUnshelvedOrWhenTheShelveExpires() throws Exception {
        // A site policy that lets RED alarms be shelved, for an hour at most.
        harness.close();
        harness = Harnesses.keyed(new VoteInZone(new io.tocsin.jobs.alarms.RuleFileText("shelving.yaml",
                TestRules.GAS.yaml() + "policy:\n  allowShelvingRed: true\n  maxShelve: 1h\n"), TestRules.REGISTRY,
                "control-room", Duration.ofSeconds(120)), ZoneInput::key);
        harness.open();
        harness.setProcessingTime(0);
        confirmed();

        command("shelve-1", AlarmCommand.shelve("park-1", "tank-farm", "zone-vote", "li", 2_000, 32_000,
                "fumigation"));
        command("unshelve", AlarmCommand.unshelve("park-1", "tank-farm", "zone-vote", "li", 3_000, "over"));
        command("shelve-2", AlarmCommand.shelve("park-1", "tank-farm", "zone-vote", "li", 4_000, 44_000,
                "fumigation again"));
        command("too-long", AlarmCommand.shelve("park-1", "tank-farm", "zone-vote", "li", 4_000, 7_204_000,
                "all night"));
        command("other-rule", AlarmCommand.shelve("park-1", "tank-farm", "gas-high", "li", 4_000, 9_000, "x"));
        harness.setProcessingTime(42_999);
        assertThat(harness.extractOutputValues()).hasSize(4);
        harness.setProcessingTime(43_000);                         // 44 000 on the zone's clock: expired

        assertThat(harness.extractOutputValues()).extracting(a -> a.transition().state(),
                        a -> a.transition().cause(), a -> a.transition().shelvedUntilMs())
                .containsExactly(
                        tuple(AlarmState.ACTIVE_UNACKNOWLEDGED, TransitionCause.CONDITION, 0L),
                        tuple(AlarmState.SHELVED, TransitionCause.SHELVE, 32_000L),
                        tuple(AlarmState.ACTIVE_UNACKNOWLEDGED, TransitionCause.UNSHELVE, 0L),
                        tuple(AlarmState.SHELVED, TransitionCause.SHELVE, 44_000L),
                        tuple(AlarmState.ACTIVE_UNACKNOWLEDGED, TransitionCause.SHELVE_EXPIRED, 0L));
        assertThat(harness.extractOutputValues()).extracting(a -> a.transition().alarmId())
                .containsOnly("park-1/tank-farm/zone-vote/1");
        assertThat(results()).extracting(CommandResult::commandId, CommandResult::accepted)
                .containsExactly(tuple("shelve-1", true), tuple("unshelve", true), tuple("shelve-2", true),
                        tuple("too-long", false), tuple("other-rule", false));
    }
}
