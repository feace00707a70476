package io.tocsin.jobs.timeseries;

/** Running min/max/sum/last of a window (a Flink POJO: public fields, no-argument constructor). */
public class RollupAccumulator {

    public String siteId;
    public String sensorId;
    public double min = Double.POSITIVE_INFINITY;
    public double max = Double.NEGATIVE_INFINITY;
    public double sum;
    public long count;
    public long lastTimestampMs = Long.MIN_VALUE;
    public double last = Double.NaN;

    public RollupAccumulator() {
    }
}
