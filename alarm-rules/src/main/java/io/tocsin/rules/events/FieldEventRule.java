package io.tocsin.rules.events;

import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmRule;
import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Verdict;
import io.tocsin.rules.rate.SampleWindow;
import java.util.Objects;

/**
 * A condition a field device reports itself (fire at a panel point, a fault, a device offline), as an
 * {@link AlarmRule}, so that the engine's lifecycle (acknowledge, shelve, suppress) applies to it as to every other
 * alarm. The reading's value is the condition: non-zero on (the edge agents send 1), 0 off.
 *
 * <p>The reading's quality is not looked at: the device itself states the condition, and a fire reported with a
 * doubtful quality is still a fire reported. Only NaN says nothing (the condition stays as it was).
 */
public record FieldEventRule(RuleCommon common, AlarmKind kind) implements AlarmRule {

    public FieldEventRule {
        Objects.requireNonNull(common, "common");
        Objects.requireNonNull(kind, "kind");
    }

    @Override
    public Verdict onReading(boolean conditionOn, SensorReading reading, boolean usable, SampleWindow window) {
        double v = reading.value();
        if (Double.isNaN(v)) {
            return Verdict.UNKNOWN;
        }
        return v != 0 ? Verdict.ON : Verdict.OFF;
    }

    @Override
    public double measured(SensorReading reading, SampleWindow window) {
        return reading.value();
    }

    /** "On" is 1. */
    @Override
    public double limit() {
        return 1;
    }
}
