package io.tocsin.rules;

/**
 * ISA-18.2 alarm states as annunciated to people. SHELVED and SUPPRESSED are the out-of-service states: the
 * condition is still evaluated, but nothing is annunciated until the alarm returns to service.
 */
public enum AlarmState {
    NORMAL,
    ACTIVE_UNACKNOWLEDGED,
    ACTIVE_ACKNOWLEDGED,
    RETURNED_UNACKNOWLEDGED,
    /** An operator shelved the alarm until a given time (nuisance alarm, known cause). */
    SHELVED,
    /** Maintenance of the site or device: annunciation suppressed until the maintenance ends. */
    SUPPRESSED;

    /** Whether the alarm condition is annunciated as present. */
    public boolean isActive() {
        return this == ACTIVE_UNACKNOWLEDGED || this == ACTIVE_ACKNOWLEDGED;
    }

    public boolean isOutOfService() {
        return this == SHELVED || this == SUPPRESSED;
    }
}
