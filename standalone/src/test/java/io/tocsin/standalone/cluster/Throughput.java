package io.tocsin.standalone.cluster;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Acknowledged readings per second, per node and per phase of the check, and PUBACK latency, from the devices. */
final class Throughput {

    private static final long BUCKET_MS = 5_000;

    long totalReadings;
    private final TreeMap<Long, Long> readingsByBucket = new TreeMap<>();
    private final List<long[]> acks = new ArrayList<>(); // [ack ms, latency ms, readings]
    private long firstAckMs = Long.MAX_VALUE;
    private long lastAckMs;
    private long refusals;
    private long reconnects;
    private final LocalClusterCheck.Faults faults;

    private Throughput(LocalClusterCheck.Faults faults) {
        this.faults = faults;
    }

    static Throughput of(Fleet fleet, LocalClusterCheck.Faults faults) {
        Throughput t = new Throughput(faults);
        for (SimulatedDevice device : fleet.all()) {
            t.refusals += device.refusals();
            t.reconnects += device.reconnects();
            for (long[] times : device.acked().values()) {
                int readings = device.readingsPerBatch();
                t.totalReadings += readings;
                t.firstAckMs = Math.min(t.firstAckMs, times[1]);
                t.lastAckMs = Math.max(t.lastAckMs, times[1]);
                t.acks.add(new long[] {times[1], times[1] - times[0], readings});
            }
        }
        for (long[] ack : t.acks) {
            t.readingsByBucket.merge((ack[0] - t.firstAckMs) / BUCKET_MS, ack[2], Long::sum);
        }
        return t;
    }

    void report(PrintStream out, Map<String, String> figures) {
        double seconds = Math.max(1, lastAckMs - firstAckMs) / 1000.0;
        figures.put("throughput.acked-readings-per-s.average", LocalClusterCheck.fmt(totalReadings / seconds));
        figures.put("devices.refused-or-failed-publishes", String.valueOf(refusals));
        figures.put("devices.reconnects", String.valueOf(reconnects));
        out.println("acknowledged readings/s per 5 s (t = s since the first PUBACK; TM killed at t="
                + at(faults.taskManagerKilledMs) + ", broker at t=" + at(faults.brokerKilledMs) + "):");
        StringBuilder line = new StringBuilder();
        readingsByBucket.forEach((bucket, readings) -> line.append(String.format("  t=%d:%d", bucket * 5,
                readings / (BUCKET_MS / 1000))));
        out.println(line);
        phase("before-faults", firstAckMs, faults.taskManagerKilledMs, figures);
        phase("after-taskmanager-kill", faults.taskManagerKilledMs, faults.brokerKilledMs, figures);
        phase("after-broker-kill", faults.brokerKilledMs, lastAckMs + 1, figures);
        phase("taskmanager-kill-plus-30s", faults.taskManagerKilledMs, faults.taskManagerKilledMs + 30_000, figures);
        phase("broker-kill-plus-30s", faults.brokerKilledMs, faults.brokerKilledMs + 30_000, figures);
        figures.put("puback-stall-ms.longest-without-any-ack.before-faults",
                String.valueOf(longestGap(firstAckMs, faults.taskManagerKilledMs)));
        figures.put("puback-stall-ms.longest-without-any-ack.after-taskmanager-kill",
                String.valueOf(longestGap(faults.taskManagerKilledMs, faults.brokerKilledMs)));
        figures.put("puback-stall-ms.longest-without-any-ack.after-broker-kill",
                String.valueOf(longestGap(faults.brokerKilledMs, faults.loadStoppedMs)));
    }

    /** The longest time in [fromMs, toMs] in which no device got any PUBACK: how long ingest stalled. */
    private long longestGap(long fromMs, long toMs) {
        long[] times = acks.stream().mapToLong(a -> a[0]).filter(t -> t >= fromMs && t <= toMs).sorted().toArray();
        long longest = 0;
        long previous = fromMs;
        for (long t : times) {
            longest = Math.max(longest, t - previous);
            previous = t;
        }
        return Math.max(longest, toMs - previous);
    }

    private String at(long ms) {
        return LocalClusterCheck.fmt((ms - firstAckMs) / 1000.0);
    }

    /** Readings/s and PUBACK latency percentiles of the acks in [fromMs, toMs). */
    private void phase(String name, long fromMs, long toMs, Map<String, String> figures) {
        long readings = 0;
        List<Long> latencies = new ArrayList<>();
        for (long[] ack : acks) {
            if (ack[0] >= fromMs && ack[0] < toMs) {
                readings += ack[2];
                latencies.add(ack[1]);
            }
        }
        double seconds = Math.max(1, Math.min(toMs, lastAckMs) - fromMs) / 1000.0;
        figures.put("throughput." + name + ".readings-per-s", LocalClusterCheck.fmt(readings / seconds));
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        figures.put("puback-latency-ms." + name, percentiles(sorted));
    }

    static String percentiles(long[] sorted) {
        if (sorted.length == 0) {
            return "(none)";
        }
        return "p50 " + sorted[(int) (sorted.length * 0.50)] + ", p99 " + sorted[Math.min(sorted.length - 1,
                (int) (sorted.length * 0.99))] + ", max " + sorted[sorted.length - 1] + " (n=" + sorted.length + ")";
    }

    static long[] sorted(List<Long> values) {
        long[] a = values.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(a);
        return a;
    }
}
