package io.tocsin.standalone.demo.city;

import java.util.Arrays;

/**
 * Alarm latencies, for percentiles: every sample is kept (a run has thousands, not millions), so the
 * percentiles are exact. Thread-safe.
 */
public final class LatencyRecorder {

    private long[] micros = new long[1024];
    private int count;

    /** Summary of the samples: exact nearest-rank percentiles, in milliseconds. */
    public record Percentiles(int count, double p50Ms, double p99Ms, double maxMs) {
        @Override
        public String toString() {
            return count == 0 ? "no samples" : String.format("p50 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d)", p50Ms,
                    p99Ms, maxMs, count);
        }
    }

    public synchronized void record(long latencyMicros) {
        if (count == micros.length) {
            micros = Arrays.copyOf(micros, count * 2);
        }
        micros[count++] = latencyMicros;
    }

    public synchronized int count() {
        return count;
    }

    public synchronized Percentiles percentiles() {
        return percentilesOf(Arrays.copyOf(micros, count));
    }

    /** Percentiles of the samples recorded from index {@code from} on (e.g. since a load level started). */
    public synchronized Percentiles percentilesSince(int from) {
        return percentilesOf(Arrays.copyOfRange(micros, Math.min(from, count), count));
    }

    private static Percentiles percentilesOf(long[] samples) {
        if (samples.length == 0) {
            return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN);
        }
        Arrays.sort(samples);
        return new Percentiles(samples.length, rank(samples, 0.50) / 1000.0, rank(samples, 0.99) / 1000.0,
                samples[samples.length - 1] / 1000.0);
    }

    private static long rank(long[] sorted, double q) {
        int index = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(index, sorted.length - 1))];
    }
}
