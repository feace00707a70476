package io.tocsin.rules.rate;

/**
 * A sensor's recent usable samples over a sliding time window, with the running sums of a least-squares
 * line fit so that the slope costs O(1) per reading.
 *
 * <p>A fixed-size ring: when more samples arrive within the window than it holds, the oldest go first (the
 * window then covers less time; size {@code capacity} for the sampling rate, see RateOfRiseRule). Mutable on
 * purpose: it changes with every reading, and copying it each time would cost more than the fit. It is part
 * of the sensor's state, so it has the public no-argument constructor and getters/setters Flink's POJO
 * serializer needs; nothing else should call the setters.
 *
 * <p>Times enter the sums relative to {@code baseMs}, in seconds, so the sums stay small; all sums are
 * recomputed from the samples whenever the ring wraps, which bounds rounding drift from adding and removing.
 */
public final class SampleWindow {

    private long[] times;
    private double[] values;
    private int head;
    private int size;
    private int pushesSinceRecompute;
    private long baseMs;
    private double sumX;
    private double sumY;
    private double sumXX;
    private double sumXY;

    /** For serializers only. */
    public SampleWindow() {
    }

    public static SampleWindow withCapacity(int capacity) {
        if (capacity < 2) {
            throw new IllegalArgumentException("a sample window needs room for at least 2 samples");
        }
        SampleWindow w = new SampleWindow();
        w.times = new long[capacity];
        w.values = new double[capacity];
        return w;
    }

    /**
     * Adds a sample and drops those older than {@code windowMs} before it. A sample not newer than the newest
     * one is ignored (a duplicate or late reading must not bend the slope).
     */
    public void push(long timeMs, double value, long windowMs) {
        if (size > 0 && timeMs <= newestMs()) {
            return;
        }
        while (size > 0 && times[head] < timeMs - windowMs) {
            removeOldest();
        }
        if (size == times.length) {
            removeOldest();
        }
        if (size == 0) {
            baseMs = timeMs;
            sumX = sumY = sumXX = sumXY = 0;
        }
        int slot = (head + size) % times.length;
        times[slot] = timeMs;
        values[slot] = value;
        size++;
        double x = (timeMs - baseMs) / 1000.0;
        sumX += x;
        sumY += value;
        sumXX += x * x;
        sumXY += x * value;
        if (++pushesSinceRecompute >= times.length) {
            recompute();
        }
    }

    private void removeOldest() {
        double x = (times[head] - baseMs) / 1000.0;
        double y = values[head];
        sumX -= x;
        sumY -= y;
        sumXX -= x * x;
        sumXY -= x * y;
        head = (head + 1) % times.length;
        size--;
    }

    private void recompute() {
        pushesSinceRecompute = 0;
        baseMs = size == 0 ? 0 : times[head];
        sumX = sumY = sumXX = sumXY = 0;
        for (int i = 0; i < size; i++) {
            int s = (head + i) % times.length;
            double x = (times[s] - baseMs) / 1000.0;
            sumX += x;
            sumY += values[s];
            sumXX += x * x;
            sumXY += x * values[s];
        }
    }

    /** Slope of the least-squares line through the samples, per minute; NaN with fewer than 2 samples. */
    public double slopePerMinute() {
        if (size < 2) {
            return Double.NaN;
        }
        double n = size;
        double denominator = n * sumXX - sumX * sumX;
        if (denominator <= 1e-12) {
            return Double.NaN;
        }
        return 60.0 * (n * sumXY - sumX * sumY) / denominator;
    }

    public int size() {
        return size;
    }

    /** Time from the oldest to the newest sample; 0 when empty. */
    public long spanMs() {
        return size == 0 ? 0 : newestMs() - times[head];
    }

    public long newestMs() {
        return times[(head + size - 1) % times.length];
    }

    public SampleWindow copy() {
        SampleWindow w = new SampleWindow();
        w.times = times.clone();
        w.values = values.clone();
        w.head = head;
        w.size = size;
        w.pushesSinceRecompute = pushesSinceRecompute;
        w.baseMs = baseMs;
        w.sumX = sumX;
        w.sumY = sumY;
        w.sumXX = sumXX;
        w.sumXY = sumXY;
        return w;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SampleWindow w)) {
            return false;
        }
        // Equal when they hold the same samples in the same order (the sums follow from them).
        if (w.size != size) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            int a = (head + i) % times.length;
            int b = (w.head + i) % w.times.length;
            if (times[a] != w.times[b] || Double.compare(values[a], w.values[b]) != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(size == 0 ? 0 : newestMs()) * 31 + size;
    }

    @Override
    public String toString() {
        return "SampleWindow[size=" + size + ", spanMs=" + spanMs() + "]";
    }

    // --- for serializers ---

    public long[] getTimes() {
        return times;
    }

    public void setTimes(long[] times) {
        this.times = times;
    }

    public double[] getValues() {
        return values;
    }

    public void setValues(double[] values) {
        this.values = values;
    }

    public int getHead() {
        return head;
    }

    public void setHead(int head) {
        this.head = head;
    }

    public int getSize() {
        return size;
    }

    public void setSize(int size) {
        this.size = size;
    }

    public int getPushesSinceRecompute() {
        return pushesSinceRecompute;
    }

    public void setPushesSinceRecompute(int pushesSinceRecompute) {
        this.pushesSinceRecompute = pushesSinceRecompute;
    }

    public long getBaseMs() {
        return baseMs;
    }

    public void setBaseMs(long baseMs) {
        this.baseMs = baseMs;
    }

    public double getSumX() {
        return sumX;
    }

    public void setSumX(double sumX) {
        this.sumX = sumX;
    }

    public double getSumY() {
        return sumY;
    }

    public void setSumY(double sumY) {
        this.sumY = sumY;
    }

    public double getSumXX() {
        return sumXX;
    }

    public void setSumXX(double sumXX) {
        this.sumXX = sumXX;
    }

    public double getSumXY() {
        return sumXY;
    }

    public void setSumXY(double sumXY) {
        this.sumXY = sumXY;
    }
}
