package io.tocsin.jobs.timeseries;

import com.influxdb.client.domain.WritePrecision;
import com.influxdb.client.write.Point;

/**
 * How one-minute rollups are stored: measurement {@value #MEASUREMENT}, tags {@code site, sensor}, fields
 * {@code min, max, mean, last, count}, time = start of the minute. A late reading re-fires its window and the new
 * figures overwrite the old point (same series and time).
 */
public final class RollupLines implements LineProtocolFormatter<ReadingRollup> {

    private static final long serialVersionUID = 1L;

    public static final String MEASUREMENT = "reading_1m";

    @Override
    public String toLine(ReadingRollup r) {
        return Point.measurement(MEASUREMENT)
                .addTag("site", r.siteId())
                .addTag("sensor", r.sensorId())
                .addField("min", r.min())
                .addField("max", r.max())
                .addField("mean", r.mean())
                .addField("last", r.last())
                .addField("count", r.count())
                .time(r.windowStartMs(), WritePrecision.MS)
                .toLineProtocol();
    }
}
