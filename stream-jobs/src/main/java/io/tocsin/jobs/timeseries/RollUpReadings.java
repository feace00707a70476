package io.tocsin.jobs.timeseries;

import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
import org.apache.flink.api.common.functions.AggregateFunction;

/**
 * Min, max, mean and last of a sensor's GOOD, finite readings: what a control room's trend display shows per
 * minute. Readings that are not GOOD are left out (they are kept, one by one, in the readings table).
 */
public class RollUpReadings implements AggregateFunction<SensorReading, RollupAccumulator, RollupAccumulator> {

    private static final long serialVersionUID = 1L;

    @Override
    public RollupAccumulator createAccumulator() {
        return new RollupAccumulator();
    }

    @Override
    public RollupAccumulator add(SensorReading r, RollupAccumulator a) {
        a.siteId = r.siteId();
        a.sensorId = r.sensorId();
        if (r.quality() != ReadingQuality.GOOD || !Double.isFinite(r.value())) {
            return a;
        }
        a.min = Math.min(a.min, r.value());
        a.max = Math.max(a.max, r.value());
        a.sum += r.value();
        a.count++;
        if (r.timestampMs() >= a.lastTimestampMs) {
            a.lastTimestampMs = r.timestampMs();
            a.last = r.value();
        }
        return a;
    }

    @Override
    public RollupAccumulator getResult(RollupAccumulator a) {
        return a;
    }

    @Override
    public RollupAccumulator merge(RollupAccumulator a, RollupAccumulator b) {
        RollupAccumulator m = new RollupAccumulator();
        m.siteId = a.siteId != null ? a.siteId : b.siteId;
        m.sensorId = a.sensorId != null ? a.sensorId : b.sensorId;
        m.min = Math.min(a.min, b.min);
        m.max = Math.max(a.max, b.max);
        m.sum = a.sum + b.sum;
        m.count = a.count + b.count;
        boolean bLater = b.lastTimestampMs >= a.lastTimestampMs;
        m.lastTimestampMs = bLater ? b.lastTimestampMs : a.lastTimestampMs;
        m.last = bLater ? b.last : a.last;
        return m;
    }
}
