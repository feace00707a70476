package io.tocsin.jobs.alarms;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.jobs.commands.CommandResult;
import io.tocsin.jobs.commands.MergeSensorWideResults;
import io.tocsin.jobs.escalation.EscalationPolicy;
import io.tocsin.jobs.registry.RegistryCodec;
import io.tocsin.jobs.registry.RegistryEntry;
import io.tocsin.jobs.registry.SiteEntry;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.jobs.zones.ZoneInput;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.TransitionCause;
import io.tocsin.rules.lifecycle.AlarmCommand;
import io.tocsin.rules.voting.MemberState;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sensor stage with commands, routing, the registry as broadcast state, zone votes and late readings. */
class CommandsAndRoutingTest {

    private KeyedBroadcastOperatorTestHarness<String, SensorInput, RegistryEntry, RoutedAlarm> harness;

    @BeforeEach
    void open() throws Exception {
        harness = Harnesses.keyed(new EvaluateAlarmRules(TestRules.GAS, TestRules.REGISTRY,
                EscalationPolicy.DEFAULT_CONTROL_ROOM), SensorInput::siteId);
        harness.open();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private void reading(String site, String sensor, long t, double value) throws Exception {
        harness.processElement(SensorInput.of(new SensorReading(site, "gw-1", sensor, t, value, ReadingQuality.GOOD)),
                t);
    }

    private void command(String id, AlarmCommand c) throws Exception {
        harness.processElement(SensorInput.of(id, c), c.atMs());
    }

    private List<CommandResult> results() {
        return harness.getSideOutput(EvaluateAlarmRules.COMMAND_RESULTS).stream().map(StreamRecord::getValue).toList();
    }

    private List<ZoneInput> zoneInputs() {
        var out = harness.getSideOutput(EvaluateAlarmRules.ZONE_INPUTS);
        return out == null ? List.of() : out.stream().map(StreamRecord::getValue).toList();
    }

    @Test
    void anAcknowledgeChangesTheSameStateAndIsAnsweredAndRoutedToTheSitesStation() throws Exception {
        reading("park-1", "gas-05", 1_000, 30);
        command("c-1", AlarmCommand.acknowledge("park-1/gas-05/gas-high/1", "li", 2_000, "on my way"));
        reading("park-1", "gas-05", 3_000, 2);

        assertThat(harness.extractOutputValues()).extracting(a -> a.transition().state(), a -> a.transition().cause(),
                        RoutedAlarm::stationIds)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(AlarmState.ACTIVE_UNACKNOWLEDGED, TransitionCause.CONDITION,
                                List.of("station-07")),
                        org.assertj.core.groups.Tuple.tuple(AlarmState.ACTIVE_ACKNOWLEDGED, TransitionCause.ACKNOWLEDGE,
                                List.of("station-07")),
                        org.assertj.core.groups.Tuple.tuple(AlarmState.NORMAL, TransitionCause.CONDITION,
                                List.of("station-07")));
        assertThat(harness.extractOutputValues().get(1).transition().actor()).isEqualTo("li");
        assertThat(results()).singleElement().satisfies(r -> {
            assertThat(r.commandId()).isEqualTo("c-1");
            assertThat(r.accepted()).isTrue();
        });
    }

    @Test
    void refusedCommandsChangeNothingAndSayWhy() throws Exception {
        reading("park-1", "gas-05", 1_000, 30);
        command("stale-ack", AlarmCommand.acknowledge("park-1/gas-05/gas-high/7", "li", 2_000, ""));
        command("anonymous", AlarmCommand.acknowledge("park-1/gas-05/gas-high/1", "", 2_000, ""));
        command("no-rules", AlarmCommand.suppress("park-1", "pump-1", "li", 2_000, "maintenance"));

        assertThat(harness.extractOutputValues()).hasSize(1);
        assertThat(results()).extracting(CommandResult::commandId, CommandResult::accepted).containsExactly(
                org.assertj.core.groups.Tuple.tuple("stale-ack", false),
                org.assertj.core.groups.Tuple.tuple("anonymous", false));
        assertThat(results().get(0).refusal()).contains("current activation of this alarm is park-1/gas-05/gas-high/1");
        assertThat(results().get(1).refusal()).contains("who");
        // A sensor-wide suppress is answered by the field event stage too: this stage's answer is only a part.
        assertThat(harness.getSideOutput(MergeSensorWideResults.PARTS)).extracting(StreamRecord::getValue)
                .singleElement().satisfies(r -> {
                    assertThat(r.commandId()).isEqualTo("no-rules");
                    assertThat(r.accepted()).isFalse();
                    assertThat(r.refusal()).contains("neither a sensor with alarm rules nor a zone");
                });
    }

    @Test
    void anUnregisteredSiteGoesToTheControlRoomAndARegistryUpdateReroutesWithoutRestart() throws Exception {
        reading("park-9", "gas-01", 1_000, 30);
        harness.processBroadcastElement(RegistryCodec.siteRecord(new SiteEntry("park-9", "Park 9", "HIGH",
                List.of("station-21", "station-22"), List.of(), List.of(), List.of(), "reg-2")), 1_500);
        reading("park-9", "gas-01", 2_000, 1);

        assertThat(harness.extractOutputValues()).extracting(RoutedAlarm::stationIds).containsExactly(
                List.of("control-room"), List.of("station-21", "station-22"));
    }

    @Test
    void newRulesFromTheRegistryTopicDecideWithTheirVersionAndBadRulesAreRefused() throws Exception {
        harness.processBroadcastElement(RegistryCodec.rulesRecord("broken.yaml", "version: 1\nsensorTypes: 7\n"), 0);
        reading("park-1", "gas-05", 1_000, 30);
        harness.processBroadcastElement(RegistryCodec.rulesRecord("v2.yaml",
                TestRules.GAS.yaml().replace("test-1", "test-2").replace("setPoint: 25", "setPoint: 50")), 1_500);
        reading("park-1", "gas-05", 2_000, 40);   // under the new limit: returns
        reading("park-1", "gas-05", 3_000, 60);   // over it: activation 2 under version test-2

        assertThat(harness.extractOutputValues()).extracting(a -> a.transition().alarmId(),
                        a -> a.transition().state(), a -> a.transition().ruleSetVersion())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("park-1/gas-05/gas-high/1", AlarmState.ACTIVE_UNACKNOWLEDGED,
                                "test-1"),
                        org.assertj.core.groups.Tuple.tuple("park-1/gas-05/gas-high/1",
                                AlarmState.RETURNED_UNACKNOWLEDGED, "test-2"),
                        org.assertj.core.groups.Tuple.tuple("park-1/gas-05/gas-high/2", AlarmState.ACTIVE_UNACKNOWLEDGED,
                                "test-2"));
    }

    @Test
    void aZoneMemberVotesWhenFirstSeenAndWhenItsVoteChangesAndZoneCommandsGoToTheZone() throws Exception {
        reading("park-1", "gas-01", 1_000, 3);    // first seen: NORMAL
        reading("park-1", "gas-01", 2_000, 4);    // unchanged: no vote
        reading("park-1", "gas-01", 3_000, 30);   // ALARM
        reading("park-1", "gas-05", 3_000, 30);   // not in a zone
        command("z-1", AlarmCommand.acknowledge("park-1/tank-farm/zone-vote/1", "li", 4_000, ""));

        assertThat(zoneInputs()).extracting(ZoneInput::key, ZoneInput::sensorId, ZoneInput::memberState,
                        ZoneInput::commandId)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("park-1/tank-farm", "gas-01", MemberState.NORMAL, null),
                        org.assertj.core.groups.Tuple.tuple("park-1/tank-farm", "gas-01", MemberState.ALARM, null),
                        org.assertj.core.groups.Tuple.tuple("park-1/tank-farm", null, null, "z-1"));
    }

    @Test
    void lateReadingsStillDecideButAreCounted() throws Exception {
        harness.watermark(10_000);
        reading("park-1", "gas-05", 5_000, 30);   // behind the watermark

        assertThat(harness.extractOutputValues()).hasSize(1);
    }
}
