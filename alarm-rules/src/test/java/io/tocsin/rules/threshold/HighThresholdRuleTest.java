package io.tocsin.rules.threshold;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.RuleOutcome;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Severity;
import org.junit.jupiter.api.Test;

class HighThresholdRuleTest {

    private final HighThresholdRule rule = new HighThresholdRule("gas-high-1", 25.0, Severity.ORANGE);

    private static SensorReading reading(long t, double value) {
        return new SensorReading("park-1", "gw-1", "gas-03", t, value, ReadingQuality.GOOD);
    }

    @Test
    void belowThresholdStaysQuiet() {
        RuleOutcome<ThresholdState> outcome = rule.evaluate(ThresholdState.INITIAL, reading(1_000, 24.99));

        assertThat(outcome.transitions()).isEmpty();
        assertThat(outcome.state()).isEqualTo(ThresholdState.INITIAL);
    }

    @Test
    void reachingTheThresholdRaisesOneAlarmWithAllItsFields() {
        RuleOutcome<ThresholdState> outcome = rule.evaluate(ThresholdState.INITIAL, reading(1_000, 25.0));

        assertThat(outcome.transitions()).containsExactly(new AlarmTransition(
                "park-1/gas-03/gas-high-1/1", "park-1", "gw-1", "gas-03", "gas-high-1", Severity.ORANGE,
                AlarmState.ACTIVE_UNACKNOWLEDGED, 25.0, 25.0, 1_000, 1_000, 1));
        assertThat(outcome.state()).isEqualTo(new ThresholdState(true, 1, 1_000));
    }

    @Test
    void stayingOverTheThresholdDoesNotRaiseAgain() {
        ThresholdState active = rule.evaluate(ThresholdState.INITIAL, reading(1_000, 30)).state();

        RuleOutcome<ThresholdState> outcome = rule.evaluate(active, reading(2_000, 40));

        assertThat(outcome.transitions()).isEmpty();
        assertThat(outcome.state()).isEqualTo(active);
    }

    @Test
    void fallingBelowReturnsTheSameActivationAndTheNextCrossingIsANewOne() {
        ThresholdState active = rule.evaluate(ThresholdState.INITIAL, reading(1_000, 30)).state();

        RuleOutcome<ThresholdState> returned = rule.evaluate(active, reading(5_000, 10));
        RuleOutcome<ThresholdState> again = rule.evaluate(returned.state(), reading(9_000, 26));

        assertThat(returned.transitions()).singleElement().satisfies(t -> {
            assertThat(t.alarmId()).isEqualTo("park-1/gas-03/gas-high-1/1");
            assertThat(t.state()).isEqualTo(AlarmState.RETURNED_UNACKNOWLEDGED);
            assertThat(t.raisedAtMs()).isEqualTo(1_000);
            assertThat(t.eventTimeMs()).isEqualTo(5_000);
            assertThat(t.value()).isEqualTo(10);
        });
        assertThat(again.transitions()).singleElement().satisfies(t -> {
            assertThat(t.alarmId()).isEqualTo("park-1/gas-03/gas-high-1/2");
            assertThat(t.state()).isEqualTo(AlarmState.ACTIVE_UNACKNOWLEDGED);
        });
    }

    @Test
    void replayingTheSameReadingsGivesTheSameIds() {
        SensorReading[] readings = {reading(1, 30), reading(2, 1), reading(3, 30)};

        assertThat(run(readings)).isEqualTo(run(readings));
    }

    @Test
    void badQualityOrNonFiniteValuesNeitherRaiseNorClear() {
        SensorReading badOver = new SensorReading("park-1", "gw-1", "gas-03", 1, 99, ReadingQuality.BAD);
        assertThat(rule.evaluate(ThresholdState.INITIAL, badOver).transitions()).isEmpty();
        assertThat(rule.evaluate(ThresholdState.INITIAL, reading(1, Double.NaN)).transitions()).isEmpty();
        assertThat(rule.evaluate(ThresholdState.INITIAL, reading(1, Double.POSITIVE_INFINITY)).transitions()).isEmpty();

        ThresholdState active = rule.evaluate(ThresholdState.INITIAL, reading(1, 30)).state();
        SensorReading badUnder = new SensorReading("park-1", "gw-1", "gas-03", 2, 0, ReadingQuality.UNCERTAIN);
        assertThat(rule.evaluate(active, badUnder).state()).isEqualTo(active);
    }

    @Test
    void aThresholdThatIsNotANumberIsRefused() {
        assertThatThrownBy(() -> new HighThresholdRule("r", Double.NaN, Severity.RED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("r");
    }

    private java.util.List<AlarmTransition> run(SensorReading... readings) {
        ThresholdState state = ThresholdState.INITIAL;
        java.util.List<AlarmTransition> all = new java.util.ArrayList<>();
        for (SensorReading r : readings) {
            RuleOutcome<ThresholdState> outcome = rule.evaluate(state, r);
            state = outcome.state();
            all.addAll(outcome.transitions());
        }
        return all;
    }
}
