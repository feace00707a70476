package io.tocsin.rules;

/**
 * What an alarm is about. A FAULT alarm says a sensor (or its link) cannot be trusted; it is never a fire
 * alarm, and a fault never raises or clears a PROCESS alarm.
 */
public enum AlarmKind {
    /** The measured quantity is dangerous: gas concentration, temperature, rate of rise, a zone vote. */
    PROCESS,
    /** The sensor is out of span, reports NaN/Infinity or bad quality, or went silent. */
    FAULT
}
