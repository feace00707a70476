package io.tocsin.standalone.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The simulated devices of the check, each connecting to one of {@code serverUris} by index (device i → URI i mod
 * n): the TCP load balancer's one address, or (without HAProxy) the ingest nodes themselves, split as a balancer in
 * round-robin would. Load devices ({@code flow-*} sensors, no rules) carry the bulk of the
 * readings; alarm devices ({@code level-1}, one reading every 100 ms) cross the alarm limit once a second.
 */
final class Fleet {

    private final List<SimulatedDevice> loadDevices = new ArrayList<>();
    private final List<SimulatedDevice> alarmDevices = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    Fleet(LocalClusterCheck.Settings settings, List<String> serverUris) {
        double batchesPerSecondEach = (double) settings.readingsPerSecond()
                / settings.readingsPerBatch() / settings.loadDevices();
        for (int i = 0; i < settings.loadDevices(); i++) {
            loadDevices.add(new SimulatedDevice(serverUris.get(i % serverUris.size()), String.format("site-%03d", i),
                    "gw-1", "flow", settings.readingsPerBatch(), batchesPerSecondEach, sequence -> 10 + sequence % 7));
        }
        for (int i = 0; i < settings.alarmDevices(); i++) {
            alarmDevices.add(new SimulatedDevice(serverUris.get(i % serverUris.size()), String.format("park-%02d", i),
                    "gw-1", "level-1", 1, 10, sequence -> sequence % 10 == 9 ? 80 : 20));
        }
    }

    void start() {
        for (SimulatedDevice device : all()) {
            Thread t = new Thread(device, "device-" + device.key());
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    void stop() {
        all().forEach(SimulatedDevice::stop);
    }

    void awaitStopped() throws InterruptedException {
        for (Thread t : threads) {
            t.join(60_000);
        }
    }

    List<SimulatedDevice> all() {
        List<SimulatedDevice> all = new ArrayList<>(loadDevices);
        all.addAll(alarmDevices);
        return all;
    }

    /**
     * One raise (ACTIVE_UNACKNOWLEDGED) per acknowledged high reading, activation = its cycle number, and one
     * return (RETURNED_UNACKNOWLEDGED) once the next reading (normal again) was acknowledged. A device moves on
     * only after a batch was acknowledged, so its acknowledged sequences are 0..n-1 without gaps.
     */
    List<ExpectedTransition> expectedTransitions(String ruleId, int cycle) {
        List<ExpectedTransition> expected = new ArrayList<>();
        for (SimulatedDevice device : alarmDevices) {
            Map<Long, long[]> acked = device.acked();
            long n = acked.size();
            for (long s = 0; s < n; s++) {
                if (!acked.containsKey(s)) {
                    throw new IllegalStateException(device.key() + " has a gap at batch " + s);
                }
                if (s % cycle == cycle - 1) {
                    String alarmId = device.siteId() + "/" + device.sensorId() + "/" + ruleId + "/" + (s / cycle + 1);
                    expected.add(new ExpectedTransition(alarmId, "ALARM_STATE_ACTIVE_UNACKNOWLEDGED", acked.get(s)[0]));
                    if (s + 1 < n) {
                        expected.add(new ExpectedTransition(alarmId, "ALARM_STATE_RETURNED_UNACKNOWLEDGED",
                                acked.get(s + 1)[0]));
                    }
                }
            }
        }
        return expected;
    }
}
