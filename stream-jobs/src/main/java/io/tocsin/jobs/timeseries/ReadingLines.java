package io.tocsin.jobs.timeseries;

import com.influxdb.client.domain.WritePrecision;
import com.influxdb.client.write.Point;
import io.tocsin.rules.SensorReading;
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

    @Override
    public String toLine(SensorReading reading) {
        Point point = Point.measurement(MEASUREMENT)
                .addTag("site", reading.siteId())
                .addTag("sensor", reading.sensorId())
                .addField("quality", reading.quality().name().toLowerCase(Locale.ROOT))
                .time(reading.timestampMs(), WritePrecision.MS);
        if (reading.deviceId() != null && !reading.deviceId().isEmpty()) {
            point.addTag("device", reading.deviceId());
        }
        if (Double.isFinite(reading.value())) {
            point.addField("value", reading.value());
        }
        return point.toLineProtocol();
    }
}
