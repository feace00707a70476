package io.tocsin.rules.presets;

import io.tocsin.rules.Severity;

/**
 * A named, sourced starting point for a rule: its kind, default set point and severity, and the range of
 * set points the source allows (an override outside it is refused when the rule file is loaded).
 *
 * @param rateOfRise for EN 54-5 "R" classes: the rule also gets a rate-of-rise companion
 */
public record Preset(String name, RuleKind kind, Severity severity, double setPoint, double minSetPoint,
        double maxSetPoint, String unit, boolean rateOfRise, String source) {
}
