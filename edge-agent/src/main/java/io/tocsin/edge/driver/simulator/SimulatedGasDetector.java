package io.tocsin.edge.driver.simulator;

import io.tocsin.edge.driver.Driver;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A combustible-gas detector in %LEL for demos and tests: a quiet baseline with a little noise, and
 * optionally a scripted leak that ramps up, holds at its peak and then ventilates away.
 *
 * <p>The value is a pure function of the time since {@code startMs} (the noise is seeded), so the same
 * script always produces the same readings.
 */
public final class SimulatedGasDetector implements Driver {

    private static final String UNIT = "%LEL";

    private final String sensorId;
    private final double baseline;
    private final double noise;
    private final long startMs;
    private final Optional<Leak> leak;
    private final long seed;

    /**
     * @param baseline %LEL in clean air (a real head reads 0–2)
     * @param noise    amplitude of the uniform noise added to the baseline
     * @param startMs  time zero of the script (the leak's offset counts from here)
     */
    public SimulatedGasDetector(String sensorId, double baseline, double noise, long startMs, Optional<Leak> leak) {
        this.sensorId = sensorId;
        this.baseline = baseline;
        this.noise = noise;
        this.startMs = startMs;
        this.leak = leak;
        this.seed = sensorId.hashCode();
    }

    @Override
    public String name() {
        return "simulator:" + sensorId;
    }

    @Override
    public List<Reading> poll(long nowMs) {
        return List.of(Reading.newBuilder()
                .setSensorId(sensorId)
                .setTimestampMs(nowMs)
                .setValue(valueAt(nowMs))
                .setQuality(Quality.QUALITY_GOOD)
                .setUnit(UNIT)
                .build());
    }

    /** The %LEL this detector reads at {@code nowMs}. */
    public double valueAt(long nowMs) {
        long elapsedMs = nowMs - startMs;
        double jitter = noise * (new SplittableRandom(seed ^ (nowMs / 100)).nextDouble() * 2 - 1);
        double base = Math.max(0, baseline + jitter);
        return leak.map(l -> Math.max(base, l.concentrationAt(elapsedMs))).orElse(base);
    }

    /**
     * A scripted leak: starts {@code after} time zero, rises at {@code risePerSecond} %LEL/s to {@code peak},
     * holds for {@code hold}, then falls at the same rate.
     */
    public record Leak(Duration after, double risePerSecond, double peak, Duration hold) {

        double concentrationAt(long elapsedMs) {
            double sinceStartS = (elapsedMs - after.toMillis()) / 1000.0;
            if (sinceStartS <= 0) {
                return 0;
            }
            double riseS = peak / risePerSecond;
            double holdS = hold.toMillis() / 1000.0;
            if (sinceStartS <= riseS) {
                return sinceStartS * risePerSecond;
            }
            if (sinceStartS <= riseS + holdS) {
                return peak;
            }
            return Math.max(0, peak - (sinceStartS - riseS - holdS) * risePerSecond);
        }
    }
}
