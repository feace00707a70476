package io.tocsin.rules;

/** Why an alarm changed state: the rule's condition, or a command of a person. */
public enum TransitionCause {
    CONDITION,
    ACKNOWLEDGE,
    SHELVE,
    UNSHELVE,
    SHELVE_EXPIRED,
    SUPPRESS,
    UNSUPPRESS,
    /** Too many changes within the flapping window: the alarm is held active until it settles. */
    FLAPPING_STARTED,
    FLAPPING_SETTLED
}
