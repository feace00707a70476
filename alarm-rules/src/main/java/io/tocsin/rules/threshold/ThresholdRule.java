package io.tocsin.rules.threshold;

import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmRule;
import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Verdict;
import io.tocsin.rules.rate.SampleWindow;
import java.util.Objects;

/**
 * A value at or beyond a set point, with hysteresis.
 *
 * <p>HIGH: the condition comes on at {@code value >= setPoint} and goes off only at {@code value < resetLevel}
 * (resetLevel &lt;= setPoint). LOW mirrors it: on at {@code value <= setPoint}, off at {@code value >
 * resetLevel}. The reset level is Kapacitor's {@code critReset}; ISA-18.2's "deadband" is the same band given
 * as a distance: {@code resetLevel = setPoint - deadband} (HIGH), see {@link #withDeadband}. Between the two
 * levels nothing changes, so a signal hovering at the set point cannot chatter.
 */
public record ThresholdRule(RuleCommon common, Direction direction, double setPoint, double resetLevel)
        implements AlarmRule {

    public enum Direction {
        HIGH,
        LOW
    }

    public ThresholdRule {
        Objects.requireNonNull(common, "common");
        Objects.requireNonNull(direction, "direction");
        if (!Double.isFinite(setPoint) || !Double.isFinite(resetLevel)) {
            throw new IllegalArgumentException("set point and reset level of rule " + common.ruleId()
                    + " must be finite numbers");
        }
        if (direction == Direction.HIGH ? resetLevel > setPoint : resetLevel < setPoint) {
            throw new IllegalArgumentException("reset level " + resetLevel + " of rule " + common.ruleId()
                    + " must be " + (direction == Direction.HIGH ? "at or below" : "at or above")
                    + " its set point " + setPoint);
        }
    }

    /** No hysteresis: returns as soon as the value is back on the safe side of the set point. */
    public static ThresholdRule high(RuleCommon common, double setPoint) {
        return new ThresholdRule(common, Direction.HIGH, setPoint, setPoint);
    }

    public static ThresholdRule low(RuleCommon common, double setPoint) {
        return new ThresholdRule(common, Direction.LOW, setPoint, setPoint);
    }

    /** The reset level {@code deadband} away from the set point, on the safe side. */
    public static ThresholdRule withDeadband(RuleCommon common, Direction direction, double setPoint,
            double deadband) {
        if (!(deadband >= 0)) {
            throw new IllegalArgumentException("deadband of rule " + common.ruleId() + " must be >= 0");
        }
        return new ThresholdRule(common, direction, setPoint,
                direction == Direction.HIGH ? setPoint - deadband : setPoint + deadband);
    }

    @Override
    public AlarmKind kind() {
        return AlarmKind.PROCESS;
    }

    @Override
    public Verdict onReading(boolean conditionOn, SensorReading reading, boolean usable, SampleWindow window) {
        if (!usable) {
            return Verdict.UNKNOWN;
        }
        double v = reading.value();
        if (direction == Direction.HIGH) {
            if (conditionOn) {
                return v < resetLevel ? Verdict.OFF : Verdict.ON;
            }
            return v >= setPoint ? Verdict.ON : Verdict.OFF;
        }
        if (conditionOn) {
            return v > resetLevel ? Verdict.OFF : Verdict.ON;
        }
        return v <= setPoint ? Verdict.ON : Verdict.OFF;
    }

    @Override
    public double measured(SensorReading reading, SampleWindow window) {
        return reading.value();
    }

    @Override
    public double limit() {
        return setPoint;
    }
}
