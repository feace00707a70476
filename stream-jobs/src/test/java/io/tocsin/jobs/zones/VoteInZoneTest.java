package io.tocsin.jobs.zones;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.tocsin.jobs.alarms.EvaluateAlarmRules;
import io.tocsin.jobs.alarms.Harnesses;
import io.tocsin.jobs.alarms.TestRules;
import io.tocsin.jobs.commands.CommandResult;
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
    void theZoneAlarmIsAcknowledgedHereAndOtherCommandsAreRefused() throws Exception {
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
    }
}
