package io.tocsin.rules.threshold;

import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.RuleOutcome;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Severity;
import java.util.List;
import java.util.Objects;

/**
 * Raises an alarm when a sensor's value reaches {@code threshold} and returns it when the value falls
 * below again. A pure function of (state, reading): no clock, no I/O.
 *
 * <p>Readings that are not GOOD, or not finite numbers, change nothing: a broken sensor must never raise or
 * clear a fire alarm (sensor faults are alarms of their own kind).
 */
public record HighThresholdRule(String ruleId, double threshold, Severity severity) {

    public HighThresholdRule {
        Objects.requireNonNull(ruleId, "ruleId");
        Objects.requireNonNull(severity, "severity");
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException("threshold of rule " + ruleId + " must be a finite number");
        }
    }

    public RuleOutcome<ThresholdState> evaluate(ThresholdState state, SensorReading reading) {
        if (reading.quality() != ReadingQuality.GOOD || !Double.isFinite(reading.value())) {
            return RuleOutcome.unchanged(state);
        }
        boolean over = reading.value() >= threshold;
        if (over && !state.active()) {
            long activation = state.activations() + 1;
            ThresholdState next = new ThresholdState(true, activation, reading.timestampMs());
            return new RuleOutcome<>(next, List.of(transition(next, reading, AlarmState.ACTIVE_UNACKNOWLEDGED)));
        }
        if (!over && state.active()) {
            ThresholdState next = new ThresholdState(false, state.activations(), state.raisedAtMs());
            return new RuleOutcome<>(next, List.of(transition(next, reading, AlarmState.RETURNED_UNACKNOWLEDGED)));
        }
        return RuleOutcome.unchanged(state);
    }

    private AlarmTransition transition(ThresholdState next, SensorReading reading, AlarmState alarmState) {
        return new AlarmTransition(
                AlarmTransition.idOf(reading.siteId(), reading.sensorId(), ruleId, next.activations()),
                reading.siteId(), reading.deviceId(), reading.sensorId(), ruleId, severity, alarmState,
                reading.value(), threshold, next.raisedAtMs(), reading.timestampMs(), next.activations());
    }
}
