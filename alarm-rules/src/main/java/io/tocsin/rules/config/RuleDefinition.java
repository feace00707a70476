package io.tocsin.rules.config;

import io.tocsin.rules.AlarmRule;
import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.Severity;
import io.tocsin.rules.fault.SensorFaultRule;
import io.tocsin.rules.fault.StaleRule;
import io.tocsin.rules.presets.Preset;
import io.tocsin.rules.presets.Presets;
import io.tocsin.rules.presets.RuleKind;
import io.tocsin.rules.rate.RateOfRiseRule;
import io.tocsin.rules.threshold.ThresholdRule;
import java.util.ArrayList;
import java.util.List;

/**
 * A rule as written in a rule file, or an override of one: every field may be absent (null). A preset fills
 * what the file leaves out; overrides replace single fields. {@link #compile} turns a complete definition
 * into rules.
 *
 * @param origin where it was written ("file:line: key"), for error messages
 */
record RuleDefinition(String id, RuleKind kind, Preset preset, Severity severity, Double setPoint, Double reset,
        Double deadband, Long onDelayMs, Long offDelayMs, Integer flapChanges, Long flapWindowMs,
        Double risePerMinute, Double resetPerMinute, Long windowMs, Integer minSamples, Integer maxSamples,
        Long silentAfterMs, Boolean enabled, String origin) {

    static final int DEFAULT_MAX_SAMPLES = 64;
    static final int DEFAULT_MIN_SAMPLES = 4;

    /** This definition with every field the override sets replaced. */
    RuleDefinition overriddenBy(RuleDefinition o) {
        return new RuleDefinition(id, kind, preset,
                pick(o.severity, severity), pick(o.setPoint, setPoint), pick(o.reset, reset),
                pick(o.deadband, deadband), pick(o.onDelayMs, onDelayMs), pick(o.offDelayMs, offDelayMs),
                pick(o.flapChanges, flapChanges), pick(o.flapWindowMs, flapWindowMs),
                pick(o.risePerMinute, risePerMinute), pick(o.resetPerMinute, resetPerMinute),
                pick(o.windowMs, windowMs), pick(o.minSamples, minSamples), pick(o.maxSamples, maxSamples),
                pick(o.silentAfterMs, silentAfterMs), pick(o.enabled, enabled),
                origin + " (overridden at " + o.origin + ")");
    }

    private static <T> T pick(T override, T base) {
        return override != null ? override : base;
    }

    boolean isEnabled() {
        return enabled == null || enabled;
    }

    RuleKind effectiveKind() {
        return kind != null ? kind : preset.kind();
    }

    /**
     * The rules this definition stands for (two for an EN 54-5 R preset: the static one and
     * {@code <id>-ror}).
     *
     * @throws IllegalArgumentException naming what is wrong and what would be valid
     */
    List<AlarmRule> compile(double spanMin, double spanMax) {
        RuleKind k = effectiveKind();
        Severity sev = severity != null ? severity : preset != null ? preset.severity() : null;
        if (sev == null) {
            throw new IllegalArgumentException("rule " + id + ": severity missing; valid: RED, ORANGE, YELLOW, BLUE");
        }
        RuleCommon common = new RuleCommon(id, sev, orZero(onDelayMs), orZero(offDelayMs),
                flapChanges == null ? 0 : flapChanges, orZero(flapWindowMs));
        List<AlarmRule> rules = new ArrayList<>(2);
        switch (k) {
            case THRESHOLD_HIGH, THRESHOLD_LOW -> {
                Double sp = setPoint != null ? setPoint : preset != null ? Double.valueOf(preset.setPoint()) : null;
                if (sp == null) {
                    throw new IllegalArgumentException("rule " + id + ": setPoint missing; valid: a number");
                }
                if (preset != null && (sp < preset.minSetPoint() || sp > preset.maxSetPoint())) {
                    throw new IllegalArgumentException("rule " + id + ": setPoint " + sp + " is outside what preset "
                            + preset.name() + " allows (" + preset.source() + "); valid: " + preset.minSetPoint()
                            + " .. " + preset.maxSetPoint() + " " + preset.unit());
                }
                if (reset != null && deadband != null) {
                    throw new IllegalArgumentException("rule " + id + ": give reset or deadband, not both");
                }
                ThresholdRule.Direction dir = k == RuleKind.THRESHOLD_HIGH
                        ? ThresholdRule.Direction.HIGH : ThresholdRule.Direction.LOW;
                rules.add(deadband != null
                        ? ThresholdRule.withDeadband(common, dir, sp, deadband)
                        : new ThresholdRule(common, dir, sp, reset != null ? reset : sp));
                if (preset != null && preset.rateOfRise()) {
                    rules.add(new RateOfRiseRule(new RuleCommon(id + "-ror", sev, 0, 0, common.flapMaxChanges(),
                            common.flapWindowMs()),
                            risePerMinute != null ? risePerMinute : Presets.HEAT_RISE_PER_MINUTE,
                            resetPerMinute != null ? resetPerMinute
                                    : risePerMinute != null ? risePerMinute : Presets.HEAT_RISE_PER_MINUTE,
                            windowMs != null ? windowMs : Presets.HEAT_RISE_WINDOW_MS,
                            minSamples != null ? minSamples : Presets.HEAT_RISE_MIN_SAMPLES,
                            maxSamples != null ? maxSamples : DEFAULT_MAX_SAMPLES));
                }
            }
            case RATE_OF_RISE -> {
                if (risePerMinute == null || windowMs == null) {
                    throw new IllegalArgumentException("rule " + id
                            + ": a rate-of-rise rule needs risePerMinute (a number > 0) and window (e.g. 60s)");
                }
                rules.add(new RateOfRiseRule(common, risePerMinute,
                        resetPerMinute != null ? resetPerMinute : risePerMinute, windowMs,
                        minSamples != null ? minSamples : DEFAULT_MIN_SAMPLES,
                        maxSamples != null ? maxSamples : DEFAULT_MAX_SAMPLES));
            }
            case FAULT -> rules.add(new SensorFaultRule(common, spanMin, spanMax));
            case STALE -> {
                if (silentAfterMs == null) {
                    throw new IllegalArgumentException("rule " + id + ": a stale rule needs after (e.g. 60s)");
                }
                rules.add(new StaleRule(common, silentAfterMs));
            }
            default -> throw new IllegalStateException(k.toString());
        }
        return rules;
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }
}
