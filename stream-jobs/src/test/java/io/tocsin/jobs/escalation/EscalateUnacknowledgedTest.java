package io.tocsin.jobs.escalation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.tocsin.jobs.alarms.Harnesses;
import io.tocsin.jobs.alarms.TestRules;
import io.tocsin.jobs.registry.RegistryEntry;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.Severity;
import io.tocsin.rules.TransitionCause;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** park-1 escalates to station-09, then station-12; RED after 60 s, ORANGE after 120 s. */
class EscalateUnacknowledgedTest {

    private KeyedBroadcastOperatorTestHarness<String, RoutedAlarm, RegistryEntry, RoutedAlarm> harness;

    @BeforeEach
    void open() throws Exception {
        harness = newHarness();
        harness.open();
        harness.setProcessingTime(0);
    }

    private static KeyedBroadcastOperatorTestHarness<String, RoutedAlarm, RegistryEntry, RoutedAlarm> newHarness()
            throws Exception {
        return Harnesses.keyed(new EscalateUnacknowledged(TestRules.GAS, TestRules.REGISTRY, EscalationPolicy.DEFAULT),
                RoutedAlarm::alarmId);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private static RoutedAlarm alarm(String site, Severity severity, AlarmState state, TransitionCause cause) {
        return RoutedAlarm.of(new AlarmTransition(site + "/gas-01/gas-high-2/1", site, "gw-1", "gas-01",
                "gas-high-2", severity, state, 60, 50, 1_000, 1_000, 1, AlarmKind.PROCESS, cause, "v1", "", "", 0,
                false), List.of("station-07"));
    }

    @Test
    void aRedAlarmNobodyAcknowledgesGoesToTheNextStationsAndTheControlRoomOneByOne() throws Exception {
        harness.processElement(alarm("park-1", Severity.RED, AlarmState.ACTIVE_UNACKNOWLEDGED,
                TransitionCause.CONDITION), 1_000);
        harness.setProcessingTime(59_999);
        assertThat(harness.extractOutputValues()).isEmpty();

        harness.setProcessingTime(60_000);
        harness.setProcessingTime(120_000);
        harness.setProcessingTime(600_000);

        assertThat(harness.extractOutputValues()).extracting(RoutedAlarm::escalationLevel, RoutedAlarm::stationIds,
                        a -> a.transition().state())
                .containsExactly(
                        tuple(1, List.of("station-09", "control-room"), AlarmState.ACTIVE_UNACKNOWLEDGED),
                        tuple(2, List.of("station-12", "control-room"), AlarmState.ACTIVE_UNACKNOWLEDGED));
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }

    @Test
    void anAcknowledgementInTimeStopsTheEscalation() throws Exception {
        harness.processElement(alarm("park-1", Severity.RED, AlarmState.ACTIVE_UNACKNOWLEDGED,
                TransitionCause.CONDITION), 1_000);
        harness.setProcessingTime(30_000);
        harness.processElement(alarm("park-1", Severity.RED, AlarmState.ACTIVE_ACKNOWLEDGED,
                TransitionCause.ACKNOWLEDGE), 30_000);
        harness.setProcessingTime(600_000);

        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }

    @Test
    void anUnregisteredSiteEscalatesToTheControlRoomOnceAndTheTimerSurvivesARestore() throws Exception {
        harness.processElement(alarm("park-9", Severity.ORANGE, AlarmState.ACTIVE_UNACKNOWLEDGED,
                TransitionCause.CONDITION), 1_000);
        OperatorSubtaskState checkpoint = harness.snapshot(1, 1_000);

        try (var restored = newHarness()) {
            restored.setProcessingTime(0);
            restored.initializeState(checkpoint);
            restored.open();
            restored.setProcessingTime(120_000);
            restored.setProcessingTime(900_000);

            assertThat(restored.extractOutputValues()).extracting(RoutedAlarm::escalationLevel,
                    RoutedAlarm::stationIds).containsExactly(tuple(1, List.of("control-room")));
        }
    }
}
