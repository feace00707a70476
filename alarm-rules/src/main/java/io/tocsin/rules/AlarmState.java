package io.tocsin.rules;

/** ISA-18.2 alarm states. */
public enum AlarmState {
    NORMAL,
    ACTIVE_UNACKNOWLEDGED,
    ACTIVE_ACKNOWLEDGED,
    RETURNED_UNACKNOWLEDGED
}
