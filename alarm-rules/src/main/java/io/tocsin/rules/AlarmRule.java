package io.tocsin.rules;

import io.tocsin.rules.rate.SampleWindow;

/**
 * One kind of alarm condition (threshold, rate of rise, sensor fault, silence). A rule only says whether its
 * condition is present; delays, flapping and the ISA-18.2 lifecycle are the engine's
 * ({@link io.tocsin.rules.engine.SensorAlarmEngine}), the same for every kind.
 *
 * <p>Implementations are immutable and never read the clock: time comes with the reading or as {@code now}.
 */
public interface AlarmRule {

    RuleCommon common();

    AlarmKind kind();

    /**
     * The condition after {@code reading}.
     *
     * @param conditionOn whether the condition is currently on (for hysteresis)
     * @param usable      the reading is GOOD, a finite number and inside the sensor's span: only such readings
     *                    may decide a process alarm
     * @param window      the sensor's recent usable samples, including this reading if usable; null when no
     *                    rule of the sensor needs them
     */
    Verdict onReading(boolean conditionOn, SensorReading reading, boolean usable, SampleWindow window);

    /** The condition at {@code nowMs} when no reading came since {@code lastReadingMs}. */
    default Verdict atTime(boolean conditionOn, long lastReadingMs, long nowMs) {
        return Verdict.UNKNOWN;
    }

    /** The earliest time at which {@link #atTime} may say something new; {@code Long.MAX_VALUE} for never. */
    default long nextTimeVerdictAt(boolean conditionOn, long lastReadingMs) {
        return Long.MAX_VALUE;
    }

    /** The figure this rule compares (the value, a slope ...), for the alarm event. */
    double measured(SensorReading reading, SampleWindow window);

    /** The figure for an event decided by the passing of time alone (by default the last one measured). */
    default double measuredAt(long lastReadingMs, long nowMs, double lastMeasured) {
        return lastMeasured;
    }

    /** The limit it is compared with, for the alarm event. */
    double limit();

    default String ruleId() {
        return common().ruleId();
    }
}
