package io.tocsin.rules.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Severity;
import io.tocsin.rules.fault.SensorFaultRule;
import io.tocsin.rules.fault.StaleRule;
import io.tocsin.rules.lifecycle.SitePolicy;
import io.tocsin.rules.threshold.ThresholdRule;
import org.junit.jupiter.api.Test;

class FaultAndStaleEngineTest {

    private final Sensor s = new Sensor(0, 100, SitePolicy.DEFAULT,
            ThresholdRule.high(RuleCommon.of("gas-high-1", Severity.ORANGE), 25),
            new SensorFaultRule(RuleCommon.of("gas-fault", Severity.YELLOW), 0, 100),
            new StaleRule(RuleCommon.of("gas-silent", Severity.YELLOW), 60_000));

    @Test
    void outOfSpanRaisesAFaultAndNeverAFireAlarm() {
        assertThat(s.read(1_000, 180)).extracting(AlarmTransition::ruleId, AlarmTransition::kind,
                AlarmTransition::state).containsExactly(tuple("gas-fault", AlarmKind.FAULT,
                AlarmState.ACTIVE_UNACKNOWLEDGED));
        assertThat(s.read(2_000, 5)).extracting(AlarmTransition::ruleId, AlarmTransition::state)
                .containsExactly(tuple("gas-fault", AlarmState.RETURNED_UNACKNOWLEDGED));
    }

    @Test
    void notANumberAndBadQualityAreFaults_uncertainSaysNothing() {
        assertThat(s.read(1_000, Double.NaN)).extracting(AlarmTransition::ruleId).containsExactly("gas-fault");
        s.read(2_000, 1);
        assertThat(s.read(new SensorReading("park-1", "gw-1", "gas-03", 3_000, 50, ReadingQuality.BAD)))
                .extracting(AlarmTransition::ruleId).containsExactly("gas-fault");
        assertThat(s.read(new SensorReading("park-1", "gw-1", "gas-03", 4_000, 1, ReadingQuality.UNCERTAIN)))
                .isEmpty();
        assertThat(s.read(5_000, Double.NEGATIVE_INFINITY)).isEmpty();
        assertThat(s.events).noneMatch(e -> e.ruleId().equals("gas-high-1"));
    }

    @Test
    void silenceRaisesAFaultAtTheDeadlineAndTheNextReadingClearsIt() {
        s.read(1_000, 3);

        assertThat(s.engine.nextDeadline(s.state)).isEqualTo(61_000);
        assertThat(s.at(60_999)).isEmpty();
        assertThat(s.at(61_000)).singleElement().satisfies(t -> {
            assertThat(t.alarmId()).isEqualTo("park-1/gas-03/gas-silent/1");
            assertThat(t.kind()).isEqualTo(AlarmKind.FAULT);
            assertThat(t.value()).as("ms of silence").isEqualTo(60_000);
            assertThat(t.eventTimeMs()).isEqualTo(61_000);
        });
        assertThat(s.at(120_000)).as("raised once").isEmpty();
        assertThat(s.engine.nextDeadline(s.state)).isEqualTo(Long.MAX_VALUE);

        assertThat(s.read(130_000, 4)).extracting(AlarmTransition::ruleId, AlarmTransition::state)
                .containsExactly(tuple("gas-silent", AlarmState.RETURNED_UNACKNOWLEDGED));
        assertThat(s.engine.nextDeadline(s.state)).isEqualTo(190_000);
    }

    @Test
    void aBadReadingEndsTheSilenceButIsAFault() {
        s.read(1_000, 3);
        s.at(70_000);

        assertThat(s.read(new SensorReading("park-1", "gw-1", "gas-03", 71_000, 0, ReadingQuality.BAD)))
                .extracting(AlarmTransition::ruleId).containsExactlyInAnyOrder("gas-fault", "gas-silent");
    }

    @Test
    void aSensorNeverSeenHasNoDeadline() {
        assertThat(s.engine.nextDeadline(null)).isEqualTo(Long.MAX_VALUE);
        assertThat(s.engine.evaluateAt(null, 1_000).transitions()).isEmpty();
    }
}
