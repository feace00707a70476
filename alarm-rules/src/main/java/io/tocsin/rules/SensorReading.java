package io.tocsin.rules;

/**
 * One measured value of one sensor, as the rules see it. Time comes with the reading: rules never read the
 * wall clock, so replaying the same readings gives the same decisions.
 */
public record SensorReading(
        String siteId,
        String deviceId,
        String sensorId,
        long timestampMs,
        double value,
        ReadingQuality quality) {
}
