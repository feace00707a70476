package io.tocsin.edge.driver;

import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import java.util.Locale;
import java.util.Optional;

/**
 * Events travel as readings until the wire format has a message of their own: the unit says
 * {@code event:fire}, {@code event:fault} ..., the sensor id names the point (zone, loop address, device)
 * and the value is 1 when the condition starts and 0 when it clears. The buffer sends them ahead of
 * telemetry and never drops them.
 */
public final class Events {

    public static final String UNIT_PREFIX = "event:";

    private Events() {
    }

    public static Reading event(String sensorId, EventKind kind, long timestampMs, boolean active) {
        return Reading.newBuilder().setSensorId(sensorId).setTimestampMs(timestampMs).setValue(active ? 1 : 0)
                .setQuality(Quality.QUALITY_GOOD).setUnit(kind.unit()).build();
    }

    public static boolean isEvent(Reading reading) {
        return reading.getUnit().startsWith(UNIT_PREFIX);
    }

    public static Optional<EventKind> kindOf(Reading reading) {
        if (!isEvent(reading)) {
            return Optional.empty();
        }
        try {
            return Optional.of(EventKind.valueOf(
                    reading.getUnit().substring(UNIT_PREFIX.length()).toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
