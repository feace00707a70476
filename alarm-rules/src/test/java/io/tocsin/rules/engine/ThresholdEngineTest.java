package io.tocsin.rules.engine;

import static io.tocsin.rules.AlarmState.ACTIVE_UNACKNOWLEDGED;
import static io.tocsin.rules.AlarmState.RETURNED_UNACKNOWLEDGED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Severity;
import io.tocsin.rules.TransitionCause;
import io.tocsin.rules.threshold.ThresholdRule;
import io.tocsin.rules.threshold.ThresholdRule.Direction;
import org.junit.jupiter.api.Test;

class ThresholdEngineTest {

    private static final RuleCommon GAS1 = RuleCommon.of("gas-high-1", Severity.ORANGE);

    @Test
    void reachingTheSetPointRaisesOneAlarmWithAllItsFields() {
        Sensor s = new Sensor(ThresholdRule.high(GAS1, 25));

        assertThat(s.read(1_000, 24.99)).isEmpty();
        assertThat(s.read(2_000, 25.0)).containsExactly(new AlarmTransition(
                "park-1/gas-03/gas-high-1/1", "park-1", "gw-1", "gas-03", "gas-high-1", Severity.ORANGE,
                ACTIVE_UNACKNOWLEDGED, 25.0, 25.0, 2_000, 2_000, 1, AlarmKind.PROCESS, TransitionCause.CONDITION,
                "v1", "", "", 0, false));
        assertThat(s.read(3_000, 40)).as("still over: nothing").isEmpty();
    }

    @Test
    void returnKeepsTheActivationAndTheNextCrossingIsANewOne() {
        Sensor s = new Sensor(ThresholdRule.high(GAS1, 25));
        s.read(1_000, 30);

        assertThat(s.read(5_000, 10)).singleElement().satisfies(t -> {
            assertThat(t.alarmId()).isEqualTo("park-1/gas-03/gas-high-1/1");
            assertThat(t.state()).isEqualTo(RETURNED_UNACKNOWLEDGED);
            assertThat(t.raisedAtMs()).isEqualTo(1_000);
            assertThat(t.eventTimeMs()).isEqualTo(5_000);
        });
        assertThat(s.read(9_000, 26)).extracting(AlarmTransition::alarmId, AlarmTransition::state)
                .containsExactly(tuple("park-1/gas-03/gas-high-1/2", ACTIVE_UNACKNOWLEDGED));
    }

    @Test
    void hysteresisHoldsTheAlarmUntilTheResetLevel() {
        Sensor s = new Sensor(new ThresholdRule(GAS1, Direction.HIGH, 25, 20));
        s.read(1_000, 25);

        assertThat(s.read(2_000, 24)).as("inside the band").isEmpty();
        assertThat(s.read(3_000, 20)).as("at the reset level: still in the band").isEmpty();
        assertThat(s.read(4_000, 19.9)).extracting(AlarmTransition::state).containsExactly(RETURNED_UNACKNOWLEDGED);
        assertThat(s.read(5_000, 24.9)).as("rising inside the band raises nothing").isEmpty();
    }

    @Test
    void aDeadbandIsTheSameBandGivenAsADistance() {
        assertThat(ThresholdRule.withDeadband(GAS1, Direction.HIGH, 25, 5).resetLevel()).isEqualTo(20);
        assertThat(ThresholdRule.withDeadband(GAS1, Direction.LOW, 19.5, 0.5).resetLevel()).isEqualTo(20);
        assertThatThrownBy(() -> new ThresholdRule(GAS1, Direction.HIGH, 25, 26))
                .hasMessageContaining("at or below");
        assertThatThrownBy(() -> ThresholdRule.withDeadband(GAS1, Direction.HIGH, 25, -1))
                .hasMessageContaining("deadband");
        assertThatThrownBy(() -> ThresholdRule.high(GAS1, Double.NaN)).hasMessageContaining("finite");
    }

    @Test
    void aLowThresholdMirrorsTheHighOne() {
        Sensor s = new Sensor(new ThresholdRule(RuleCommon.of("o2-low", Severity.RED), Direction.LOW, 19.5, 20));

        assertThat(s.read(1_000, 19.6)).isEmpty();
        assertThat(s.read(2_000, 19.5)).extracting(AlarmTransition::state).containsExactly(ACTIVE_UNACKNOWLEDGED);
        assertThat(s.read(3_000, 20.0)).as("at the reset level").isEmpty();
        assertThat(s.read(4_000, 20.1)).extracting(AlarmTransition::state).containsExactly(RETURNED_UNACKNOWLEDGED);
    }

    @Test
    void anOnDelayNeedsTheConditionToHoldForItsWholeDuration() {
        Sensor s = new Sensor(ThresholdRule.high(GAS1.withDelays(5_000, 0), 25));

        assertThat(s.read(1_000, 30)).isEmpty();
        assertThat(s.read(3_000, 10)).as("dropped out before 5 s: the delay restarts").isEmpty();
        assertThat(s.read(4_000, 30)).isEmpty();
        assertThat(s.read(8_999, 30)).isEmpty();
        assertThat(s.read(9_000, 31)).singleElement().satisfies(t -> {
            assertThat(t.state()).isEqualTo(ACTIVE_UNACKNOWLEDGED);
            assertThat(t.raisedAtMs()).isEqualTo(9_000);
            assertThat(t.value()).isEqualTo(31);
        });
    }

    @Test
    void anOnDelayRunsOutByTimeAloneWhenTheSensorGoesQuiet() {
        Sensor s = new Sensor(ThresholdRule.high(GAS1.withDelays(5_000, 0), 25));
        s.read(1_000, 30);

        assertThat(s.engine.nextDeadline(s.state)).isEqualTo(6_000);
        assertThat(s.at(5_999)).isEmpty();
        assertThat(s.at(6_000)).extracting(AlarmTransition::state, AlarmTransition::eventTimeMs)
                .containsExactly(tuple(ACTIVE_UNACKNOWLEDGED, 6_000L));
        assertThat(s.at(7_000)).as("evaluating again changes nothing").isEmpty();
        assertThat(s.engine.nextDeadline(s.state)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void anOffDelayKeepsTheAlarmThroughAShortDip() {
        Sensor s = new Sensor(ThresholdRule.high(GAS1.withDelays(0, 10_000), 25));
        s.read(1_000, 30);

        assertThat(s.read(2_000, 10)).isEmpty();
        assertThat(s.read(5_000, 28)).as("back over: the off-delay is cancelled").isEmpty();
        assertThat(s.read(6_000, 10)).isEmpty();
        assertThat(s.read(15_999, 10)).isEmpty();
        assertThat(s.read(16_000, 10)).extracting(AlarmTransition::state).containsExactly(RETURNED_UNACKNOWLEDGED);
    }

    @Test
    void severalLevelsPerSensorEachWithItsOwnSeverityAndId() {
        Sensor s = new Sensor(ThresholdRule.high(GAS1, 25),
                ThresholdRule.high(RuleCommon.of("gas-high-2", Severity.RED), 50));

        assertThat(s.read(1_000, 30)).extracting(AlarmTransition::ruleId, AlarmTransition::severity)
                .containsExactly(tuple("gas-high-1", Severity.ORANGE));
        assertThat(s.read(2_000, 60)).extracting(AlarmTransition::alarmId, AlarmTransition::severity)
                .containsExactly(tuple("park-1/gas-03/gas-high-2/1", Severity.RED));
        assertThat(s.read(3_000, 0)).extracting(AlarmTransition::ruleId)
                .containsExactly("gas-high-1", "gas-high-2");
    }

    @Test
    void untrustedReadingsNeitherRaiseNorClearAProcessAlarm() {
        Sensor s = new Sensor(0, 100, io.tocsin.rules.lifecycle.SitePolicy.DEFAULT, ThresholdRule.high(GAS1, 25));

        assertThat(s.read(new SensorReading("park-1", "gw-1", "gas-03", 1, 99, ReadingQuality.BAD))).isEmpty();
        assertThat(s.read(new SensorReading("park-1", "gw-1", "gas-03", 2, 99, ReadingQuality.UNCERTAIN))).isEmpty();
        assertThat(s.read(3, Double.NaN)).isEmpty();
        assertThat(s.read(4, Double.POSITIVE_INFINITY)).isEmpty();
        assertThat(s.read(5, 180)).as("out of span").isEmpty();
        s.read(6, 30);
        assertThat(s.read(new SensorReading("park-1", "gw-1", "gas-03", 7, 0, ReadingQuality.BAD))).isEmpty();
        assertThat(s.read(8, -5)).as("out of span").isEmpty();
        assertThat(s.state.slot("gas-high-1").state()).isEqualTo(ACTIVE_UNACKNOWLEDGED);
    }

    @Test
    void aReadingOlderThanTheNewestIsIgnored() {
        Sensor s = new Sensor(ThresholdRule.high(GAS1, 25));
        s.read(5_000, 10);

        assertThat(s.read(4_000, 90)).isEmpty();
        assertThat(s.state.lastReadingMs()).isEqualTo(5_000);
    }

    @Test
    void stateFollowsRulesByIdWhenTheRuleSetChanges() {
        Sensor before = new Sensor(ThresholdRule.high(GAS1, 25));
        before.read(1_000, 30);
        SensorAlarmEngine after = new SensorAlarmEngine("v2", java.util.List.of(
                ThresholdRule.high(RuleCommon.of("gas-high-2", Severity.RED), 50), ThresholdRule.high(GAS1, 20)),
                Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, io.tocsin.rules.lifecycle.SitePolicy.DEFAULT);

        var outcome = after.onReading(before.state, Sensor.good(2_000, 10));

        assertThat(outcome.transitions()).singleElement().satisfies(t -> {
            assertThat(t.alarmId()).isEqualTo("park-1/gas-03/gas-high-1/1");
            assertThat(t.state()).isEqualTo(AlarmState.RETURNED_UNACKNOWLEDGED);
            assertThat(t.ruleSetVersion()).isEqualTo("v2");
        });
    }
}
