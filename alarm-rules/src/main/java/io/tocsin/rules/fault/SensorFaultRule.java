package io.tocsin.rules.fault;

import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmRule;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Verdict;
import io.tocsin.rules.rate.SampleWindow;
import java.util.Objects;

/**
 * A reading that cannot be trusted: quality BAD, NaN or Infinity, or a value outside the sensor's span
 * [{@code spanMin}, {@code spanMax}] (a 0–100 %LEL detector reporting 180 or -20 is broken or saturated).
 * Raises a FAULT alarm, never a process one: such readings never decide a process alarm either (see
 * {@link io.tocsin.rules.engine.SensorAlarmEngine}). UNCERTAIN readings say nothing; the next good
 * in-span reading clears the fault.
 */
public record SensorFaultRule(RuleCommon common, double spanMin, double spanMax) implements AlarmRule {

    public SensorFaultRule {
        Objects.requireNonNull(common, "common");
        if (Double.isNaN(spanMin) || Double.isNaN(spanMax) || spanMin >= spanMax) {
            throw new IllegalArgumentException("span of rule " + common.ruleId() + " must have min < max");
        }
    }

    /** No span: only bad quality and non-numbers are faults. */
    public static SensorFaultRule withoutSpan(RuleCommon common) {
        return new SensorFaultRule(common, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
    }

    @Override
    public AlarmKind kind() {
        return AlarmKind.FAULT;
    }

    @Override
    public Verdict onReading(boolean conditionOn, SensorReading reading, boolean usable, SampleWindow window) {
        if (reading.quality() == ReadingQuality.BAD) {
            return Verdict.ON;
        }
        double v = reading.value();
        if (!Double.isFinite(v) || v < spanMin || v > spanMax) {
            return Verdict.ON;
        }
        return reading.quality() == ReadingQuality.GOOD ? Verdict.OFF : Verdict.UNKNOWN;
    }

    @Override
    public double measured(SensorReading reading, SampleWindow window) {
        return reading.value();
    }

    @Override
    public double limit() {
        return spanMax;
    }
}
