package io.tocsin.rules;

import java.util.Objects;

/**
 * What every rule has, whatever its kind.
 *
 * @param ruleId         unique among the rules of one sensor; part of the alarm id, so never reuse an id
 *                       for a different meaning
 * @param severity       the colour a station sees for this rule's alarm (one rule = one level)
 * @param onDelayMs      the condition must hold this long before the alarm is raised (ThingsBoard's
 *                       "duration"); 0 raises on the first reading
 * @param offDelayMs     the condition must be absent this long before the alarm returns; 0 returns at once
 * @param flapMaxChanges more condition changes than this within {@code flapWindowMs} mark the alarm flapping;
 *                       0 disables flapping detection
 * @param flapWindowMs   the flapping window; a flapping alarm settles after this long without a change
 */
public record RuleCommon(String ruleId, Severity severity, long onDelayMs, long offDelayMs, int flapMaxChanges,
        long flapWindowMs) {

    public RuleCommon {
        Objects.requireNonNull(ruleId, "ruleId");
        Objects.requireNonNull(severity, "severity");
        if (ruleId.isBlank() || ruleId.contains("/")) {
            throw new IllegalArgumentException("rule id '" + ruleId + "' must be non-blank and without '/'"
                    + " (it is part of the alarm id site/sensor/rule/activation)");
        }
        if (onDelayMs < 0 || offDelayMs < 0) {
            throw new IllegalArgumentException("delays of rule " + ruleId + " must not be negative");
        }
        if (flapMaxChanges < 0 || (flapMaxChanges > 0 && flapWindowMs <= 0)) {
            throw new IllegalArgumentException("flapping of rule " + ruleId
                    + " needs changes >= 0 and, when enabled, a window > 0");
        }
    }

    /** No delays, no flapping detection. */
    public static RuleCommon of(String ruleId, Severity severity) {
        return new RuleCommon(ruleId, severity, 0, 0, 0, 0);
    }

    public RuleCommon withDelays(long onDelayMs, long offDelayMs) {
        return new RuleCommon(ruleId, severity, onDelayMs, offDelayMs, flapMaxChanges, flapWindowMs);
    }

    public RuleCommon withFlapping(int maxChanges, long windowMs) {
        return new RuleCommon(ruleId, severity, onDelayMs, offDelayMs, maxChanges, windowMs);
    }
}
