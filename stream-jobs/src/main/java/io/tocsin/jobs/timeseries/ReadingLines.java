package io.tocsin.jobs.timeseries;

import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
import java.util.Arrays;
import java.util.Locale;

/**
 * How readings are stored: measurement {@value #MEASUREMENT}, tags {@code site}, {@code device}, {@code sensor},
 * fields {@code value} (float) and {@code quality} (good/uncertain/bad), time in milliseconds.
 *
 * <p>Series plus timestamp identify a reading, so a reading written twice (replay after a restart) overwrites
 * itself instead of doubling: that is what makes the at-least-once sink idempotent. A value that is not a
 * finite number cannot be stored as a float; the line then carries only its quality.
 */
public final class ReadingLines implements LineProtocolFormatter<SensorReading> {

    private static final long serialVersionUID = 1L;

    public static final String MEASUREMENT = "reading";

    private static final String[] QUALITY = Arrays.stream(ReadingQuality.values())
            .map(q -> q.name().toLowerCase(Locale.ROOT)).toArray(String[]::new);

    @Override
    public String toLine(SensorReading reading) {
        // Tags and fields in key order, as influxdb-client-java's Point writes them (see LineBuilder for why not Point).
        LineBuilder line = new LineBuilder(MEASUREMENT);
        if (reading.deviceId() != null && !reading.deviceId().isEmpty()) {
            line.tag("device", reading.deviceId());
        }
        line.tag("sensor", reading.sensorId())
                .tag("site", reading.siteId())
                .field("quality", QUALITY[reading.quality().ordinal()]);
        if (Double.isFinite(reading.value())) {
            line.field("value", reading.value());
        }
        return line.timeMs(reading.timestampMs());
    }
}
