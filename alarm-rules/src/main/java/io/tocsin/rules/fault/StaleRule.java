package io.tocsin.rules.fault;

import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmRule;
import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Verdict;
import io.tocsin.rules.rate.SampleWindow;
import java.util.Objects;

/**
 * Deadman: no reading at all for {@code silentAfterMs} raises a FAULT alarm (the sensor, its gateway or the
 * uplink went silent, so a fire there would go unseen). Any next reading, whatever its quality, clears it:
 * the sensor speaks again, and whether it can be trusted is {@link SensorFaultRule}'s business.
 *
 * <p>Only the passing of time raises it, so the caller must drive
 * {@link io.tocsin.rules.engine.SensorAlarmEngine#evaluateAt} (a Flink timer, a scheduler on the gateway);
 * {@code nowMs} is on the sensor's clock.
 */
public record StaleRule(RuleCommon common, long silentAfterMs) implements AlarmRule {

    public StaleRule {
        Objects.requireNonNull(common, "common");
        if (silentAfterMs <= 0) {
            throw new IllegalArgumentException("silence limit of rule " + common.ruleId() + " must be > 0");
        }
    }

    @Override
    public AlarmKind kind() {
        return AlarmKind.FAULT;
    }

    @Override
    public Verdict onReading(boolean conditionOn, SensorReading reading, boolean usable, SampleWindow window) {
        return Verdict.OFF;
    }

    @Override
    public Verdict atTime(boolean conditionOn, long lastReadingMs, long nowMs) {
        return nowMs - lastReadingMs >= silentAfterMs ? Verdict.ON : Verdict.UNKNOWN;
    }

    @Override
    public long nextTimeVerdictAt(boolean conditionOn, long lastReadingMs) {
        return conditionOn ? Long.MAX_VALUE : lastReadingMs + silentAfterMs;
    }

    /** The silence so far, in ms. */
    @Override
    public double measuredAt(long lastReadingMs, long nowMs, double lastMeasured) {
        return nowMs - lastReadingMs;
    }

    /** A reading ends the silence: 0 ms. */
    @Override
    public double measured(SensorReading reading, SampleWindow window) {
        return 0;
    }

    @Override
    public double limit() {
        return silentAfterMs;
    }
}
