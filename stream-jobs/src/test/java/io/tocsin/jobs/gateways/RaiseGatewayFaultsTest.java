package io.tocsin.jobs.gateways;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.tocsin.jobs.alarms.TestRules;
import io.tocsin.jobs.commands.CommandResult;
import io.tocsin.jobs.escalation.EscalationPolicy;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.jobs.testing.AlarmStageHarness;
import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.Severity;
import io.tocsin.rules.TransitionCause;
import io.tocsin.rules.lifecycle.AlarmCommand;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gateway stage in an operator harness: grace timer, lifecycle commands, routing, out-of-order status. */
class RaiseGatewayFaultsTest {

    private static final long T0 = 1_700_000_000_000L;   // the ingest servers' clock
    private static final String FAULT_1 = "park-1/gw-1/gateway-offline/1";

    private AlarmStageHarness<GatewayInput> harness;

    @BeforeEach
    void open() throws Exception {
        harness = AlarmStageHarness.open(new RaiseGatewayFaults(TestRules.GAS, TestRules.REGISTRY,
                EscalationPolicy.DEFAULT_CONTROL_ROOM, new GatewayFaultPolicy(Severity.YELLOW,
                        Duration.ofSeconds(10))), GatewayInput::key);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private void status(String server, boolean online, String cause, long t) throws Exception {
        harness.process(GatewayInput.of(new GatewayStatus("park-1", "gw-1", "gw-1-client", online, cause, t,
                server)), t);
    }

    private void offline(String server, long t) throws Exception {
        status(server, false, "STATUS_CAUSE_CONNECTION_LOST", t);
    }

    private void online(String server, long t) throws Exception {
        status(server, true, "STATUS_CAUSE_CONNECTED", t);
    }

    private void command(String id, AlarmCommand c) throws Exception {
        harness.process(GatewayInput.of(id, c), c.atMs());
    }

    @Test
    void offlineLongerThanTheGraceRaisesAFaultRoutedToTheSitesStationThatReturnsAndIsAcknowledged()
            throws Exception {
        online("ingest-a", T0);
        offline("ingest-a", T0 + 5_000);
        harness.setProcessingTime(9_999);
        assertThat(harness.alarms()).as("still within the grace").isEmpty();

        harness.setProcessingTime(10_000);
        online("ingest-a", T0 + 60_000);
        command("ack-1", AlarmCommand.acknowledge(FAULT_1, "li", T0 + 61_000, "gateway rebooted"));

        assertThat(harness.alarms()).extracting(a -> a.transition().alarmId(), a -> a.transition().state(),
                        a -> a.transition().cause(), RoutedAlarm::stationIds)
                .containsExactly(
                        tuple(FAULT_1, AlarmState.ACTIVE_UNACKNOWLEDGED, TransitionCause.CONDITION,
                                List.of("station-07")),
                        tuple(FAULT_1, AlarmState.RETURNED_UNACKNOWLEDGED, TransitionCause.CONDITION,
                                List.of("station-07")),
                        tuple(FAULT_1, AlarmState.NORMAL, TransitionCause.ACKNOWLEDGE, List.of("station-07")));
        assertThat(harness.alarms().get(0).transition()).satisfies(t -> {
            assertThat(t.kind()).isEqualTo(AlarmKind.FAULT);
            assertThat(t.severity()).isEqualTo(Severity.YELLOW);
            assertThat(t.ruleId()).isEqualTo(GatewayOfflineRule.RULE_ID);
            assertThat(t.siteId()).isEqualTo("park-1");
            assertThat(t.deviceId()).isEqualTo("gw-1");
            assertThat(t.sensorId()).isEqualTo("gw-1");
            assertThat(t.value()).as("ms offline").isEqualTo(10_000);
            assertThat(t.threshold()).as("the grace, ms").isEqualTo(10_000);
            assertThat(t.eventTimeMs()).as("when the grace ran out, on the server's clock").isEqualTo(T0 + 15_000);
            assertThat(t.ruleSetVersion()).isEqualTo("test-1");
        });
        assertThat(harness.alarms().get(2).transition().actor()).isEqualTo("li");
        assertThat(harness.commandResults()).extracting(CommandResult::commandId, CommandResult::accepted)
                .containsExactly(tuple("ack-1", true));
    }

    @Test
    void aReconnectWithinTheGraceRaisesNothing() throws Exception {
        online("ingest-a", T0);
        offline("ingest-a", T0 + 1_000);
        harness.setProcessingTime(3_000);
        online("ingest-a", T0 + 3_000);
        harness.setProcessingTime(60_000);

        assertThat(harness.alarms()).isEmpty();
        assertThat(harness.processingTimeTimers()).isZero();
    }

    @Test
    void aLateOfflineFromAnotherServerAfterANewerOnlineIsIgnored() throws Exception {
        online("ingest-a", T0);
        online("ingest-b", T0 + 2_000);                      // the gateway reconnected to server b
        offline("ingest-a", T0 + 3_000);                     // a notices its old connection died: not offline
        offline("ingest-a", T0 + 1_000);                     // and an event older than the last change
        status("ingest-b", false, "STATUS_CAUSE_TAKEN_OVER", T0 + 4_000);  // replaced by a newer connection
        harness.setProcessingTime(60_000);
        assertThat(harness.alarms()).isEmpty();

        offline("ingest-b", T0 + 70_000);                    // the connection of record ends
        harness.setProcessingTime(70_000);
        online("ingest-a", T0 + 65_000);                     // older than that end: old news
        harness.setProcessingTime(80_000);

        assertThat(harness.alarms()).extracting(a -> a.transition().alarmId(), a -> a.transition().state())
                .containsExactly(tuple(FAULT_1, AlarmState.ACTIVE_UNACKNOWLEDGED));
    }

    @Test
    void aFirstEverOfflineRaisesAndAnAckOfAnotherActivationIsRefused() throws Exception {
        offline("ingest-a", T0);
        harness.setProcessingTime(10_000);
        command("ack-wrong", AlarmCommand.acknowledge("park-1/gw-1/gateway-offline/2", "li", T0 + 11_000, ""));
        command("ack-nobody", AlarmCommand.acknowledge(FAULT_1, "", T0 + 11_000, ""));

        assertThat(harness.alarms()).hasSize(1);
        assertThat(harness.commandResults()).extracting(CommandResult::commandId, CommandResult::accepted)
                .containsExactly(tuple("ack-wrong", false), tuple("ack-nobody", false));
        assertThat(harness.commandResults().get(0).refusal())
                .contains("current activation of this alarm is " + FAULT_1);
    }

    @Test
    void shelveAndSuppressFollowTheSameLifecycleAsSensorAlarms() throws Exception {
        command("sup", new AlarmCommand(AlarmCommand.Type.SUPPRESS, "park-1", "gw-1", GatewayOfflineRule.RULE_ID,
                null, "li", "gateway replaced today", T0, 0));
        offline("ingest-a", T0 + 1_000);
        harness.setProcessingTime(20_000);                   // offline past the grace, but suppressed: silent
        command("unsup", new AlarmCommand(AlarmCommand.Type.UNSUPPRESS, "park-1", "gw-1",
                GatewayOfflineRule.RULE_ID, null, "li", "done", T0 + 30_000, 0));
        command("shelve", AlarmCommand.shelve("park-1", "gw-1", GatewayOfflineRule.RULE_ID, "li", T0 + 31_000,
                T0 + 3_600_000, "known outage of the site's uplink"));

        assertThat(harness.alarms()).extracting(a -> a.transition().state(), a -> a.transition().cause())
                .containsExactly(
                        tuple(AlarmState.SUPPRESSED, TransitionCause.SUPPRESS),
                        tuple(AlarmState.ACTIVE_UNACKNOWLEDGED, TransitionCause.UNSUPPRESS),
                        tuple(AlarmState.SHELVED, TransitionCause.SHELVE));
        assertThat(harness.alarms()).extracting(a -> a.transition().alarmId()).containsOnly(
                "park-1/gw-1/gateway-offline/0", FAULT_1);
        assertThat(harness.commandResults()).extracting(CommandResult::accepted).containsExactly(true, true, true);
    }
}
