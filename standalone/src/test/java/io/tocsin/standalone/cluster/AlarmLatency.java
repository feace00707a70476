package io.tocsin.standalone.cluster;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Time from a device's publish of the reading that crossed the limit to the transition's first arrival at a
 * station console; over the whole run and for crossings in the 30 s after each fault (the longest of those is how
 * long alarms were held up by the fault).
 */
final class AlarmLatency {

    private final List<Long> all = new ArrayList<>();
    private final List<Long> afterTaskManagerKill = new ArrayList<>();
    private final List<Long> afterBrokerKill = new ArrayList<>();

    static AlarmLatency of(List<ExpectedTransition> expected, StationConsole console, LocalClusterCheck.Faults f) {
        AlarmLatency latency = new AlarmLatency();
        for (ExpectedTransition t : expected) {
            Long arrival = console.arrival(t.key());
            if (arrival == null) {
                continue;
            }
            long ms = arrival - t.crossingPublishedMs();
            latency.all.add(ms);
            if (t.crossingPublishedMs() >= f.taskManagerKilledMs - 5_000
                    && t.crossingPublishedMs() < f.taskManagerKilledMs + 30_000) {
                latency.afterTaskManagerKill.add(ms);
            }
            if (t.crossingPublishedMs() >= f.brokerKilledMs - 5_000
                    && t.crossingPublishedMs() < f.brokerKilledMs + 30_000) {
                latency.afterBrokerKill.add(ms);
            }
        }
        return latency;
    }

    void report(String console, PrintStream out, Map<String, String> figures) {
        figures.put("alarm-latency-ms." + console + ".all", Throughput.percentiles(Throughput.sorted(all)));
        figures.put("alarm-latency-ms." + console + ".taskmanager-kill-window",
                Throughput.percentiles(Throughput.sorted(afterTaskManagerKill)));
        figures.put("alarm-latency-ms." + console + ".broker-kill-window",
                Throughput.percentiles(Throughput.sorted(afterBrokerKill)));
    }
}
