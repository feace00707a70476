package io.tocsin.standalone.faults;

import io.tocsin.edge.driver.Driver;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulated detectors of one gateway for the fault harness: {@code gas-1} leaks on a fixed script (40 %LEL for
 * {@code leakMs} of every {@code periodMs}, 10 %LEL otherwise: each leak is one alarm activation and one return),
 * {@code gas-2} stays at 10 %LEL. Keeps every reading it produced, so the audit knows what was sent.
 */
final class ScriptedGasDriver implements Driver {

    static final String LEAKING = "gas-1";
    static final String QUIET = "gas-2";
    static final double LEAK_VALUE = 40;
    static final double NORMAL_VALUE = 10;

    private final long startMs;
    private final long periodMs;
    private final long leakMs;
    private final List<Reading> produced = new ArrayList<>();
    private volatile boolean producing = true;
    private long lastPollMs = Long.MIN_VALUE; // only the agent's polling thread calls poll

    ScriptedGasDriver(long startMs, long periodMs, long leakMs) {
        this.startMs = startMs;
        this.periodMs = periodMs;
        this.leakMs = leakMs;
    }

    @Override
    public String name() {
        return "scripted-gas";
    }

    @Override
    public List<Reading> poll(long nowMs) {
        if (!producing || nowMs <= lastPollMs) {
            // A late tick caught up within the same millisecond: a second reading with the same timestamp would be
            // the same reading to the store (deduplicated on time, site, sensor), so none is made.
            return List.of();
        }
        lastPollMs = nowMs;
        boolean leaking = Math.floorMod(nowMs - startMs, periodMs) >= periodMs - leakMs;
        List<Reading> readings = List.of(reading(LEAKING, nowMs, leaking ? LEAK_VALUE : NORMAL_VALUE),
                reading(QUIET, nowMs, NORMAL_VALUE));
        synchronized (produced) {
            produced.addAll(readings);
        }
        return readings;
    }

    /** From now on, no more readings (the audit then waits for the buffers to drain). */
    void stopProducing() {
        producing = false;
    }

    List<Reading> produced() {
        synchronized (produced) {
            return List.copyOf(produced);
        }
    }

    private static Reading reading(String sensor, long t, double value) {
        return Reading.newBuilder().setSensorId(sensor).setTimestampMs(t).setValue(value)
                .setQuality(Quality.QUALITY_GOOD).setUnit("%LEL").build();
    }
}
