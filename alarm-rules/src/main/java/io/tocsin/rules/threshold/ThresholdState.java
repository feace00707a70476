package io.tocsin.rules.threshold;

/**
 * What a threshold rule remembers about one sensor between readings.
 *
 * @param active      whether the alarm is currently active (value at or over the threshold)
 * @param activations how many times the alarm has been raised so far; numbers the alarm ids
 * @param raisedAtMs  event time of the current (or last) activation
 */
public record ThresholdState(boolean active, long activations, long raisedAtMs) {

    /** A sensor never seen before. */
    public static final ThresholdState INITIAL = new ThresholdState(false, 0, 0);
}
