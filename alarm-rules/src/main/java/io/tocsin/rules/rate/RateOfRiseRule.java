package io.tocsin.rules.rate;

import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmRule;
import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Verdict;
import java.util.Objects;

/**
 * The value rising at least {@code risePerMinute} (°C/min, %LEL/min ...), measured as the slope of a
 * least-squares line through the usable samples of the last {@code windowMs}.
 *
 * <p>Why a line fit rather than first-minus-last: jitter in the sample times and noise in the values average
 * out, and a missing sample only removes one point from the fit. The rule says nothing (keeps its state)
 * until it has {@code minSamples} samples spanning at least half the window, so a single noisy step after a
 * gap or at start-up cannot fire it. Hysteresis as for thresholds: it returns once the slope falls below
 * {@code resetPerMinute}.
 *
 * @param maxSamples capacity of the sensor's sample window; choose at least window / sampling interval
 */
public record RateOfRiseRule(RuleCommon common, double risePerMinute, double resetPerMinute, long windowMs,
        int minSamples, int maxSamples) implements AlarmRule {

    public RateOfRiseRule {
        Objects.requireNonNull(common, "common");
        if (!(risePerMinute > 0) || !Double.isFinite(risePerMinute)) {
            throw new IllegalArgumentException("rise per minute of rule " + common.ruleId() + " must be > 0");
        }
        if (!(resetPerMinute <= risePerMinute)) {
            throw new IllegalArgumentException("reset rate of rule " + common.ruleId()
                    + " must be at or below its rise rate " + risePerMinute);
        }
        if (windowMs <= 0) {
            throw new IllegalArgumentException("window of rule " + common.ruleId() + " must be > 0");
        }
        if (minSamples < 2 || maxSamples < minSamples) {
            throw new IllegalArgumentException("rule " + common.ruleId()
                    + " needs minSamples >= 2 and maxSamples >= minSamples");
        }
    }

    @Override
    public AlarmKind kind() {
        return AlarmKind.PROCESS;
    }

    @Override
    public Verdict onReading(boolean conditionOn, SensorReading reading, boolean usable, SampleWindow window) {
        if (!usable || window == null || window.size() < minSamples || window.spanMs() * 2 < windowMs) {
            return Verdict.UNKNOWN;
        }
        double slope = window.slopePerMinute();
        if (Double.isNaN(slope)) {
            return Verdict.UNKNOWN;
        }
        if (conditionOn) {
            return slope < resetPerMinute ? Verdict.OFF : Verdict.ON;
        }
        return slope >= risePerMinute ? Verdict.ON : Verdict.OFF;
    }

    @Override
    public double measured(SensorReading reading, SampleWindow window) {
        return window == null ? Double.NaN : window.slopePerMinute();
    }

    @Override
    public double limit() {
        return risePerMinute;
    }
}
