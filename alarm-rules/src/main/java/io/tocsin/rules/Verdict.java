package io.tocsin.rules;

/** What one reading (or the passing of time) says about a rule's alarm condition. */
public enum Verdict {
    /** The condition is present. */
    ON,
    /** The condition is absent. */
    OFF,
    /** Nothing can be said (a reading that cannot be trusted for this rule): keep what was decided. */
    UNKNOWN
}
