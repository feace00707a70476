package io.tocsin.standalone.demo.city;

import java.util.List;
import java.util.SplittableRandom;

/**
 * One detector or PLC point behind a simulated gateway: what it reads at a moment of the run, and how often
 * it reports. Gas heads and PLC points report every second, heat detectors every 10 s; smoke detectors send a
 * heartbeat every 10–60 s and their state at once when it changes (what a fire panel does).
 */
public final class SimulatedPoint {

    /** What kind of point, with its unit and how it reports. */
    public enum Kind {
        GAS("%LEL", false), HEAT("°C", false), SMOKE("state", true), PLC("bar", false);

        final String unit;
        /** Reports a change at once, not only on its heartbeat. */
        final boolean changeDriven;

        Kind(String unit, boolean changeDriven) {
            this.unit = unit;
            this.changeDriven = changeDriven;
        }

        public String unit() {
            return unit;
        }
    }

    /** A scripted departure from the quiet baseline; empty result (NaN) outside its time. */
    public interface Script {
        /** The scripted value {@code elapsedMs} after the start of the run, or NaN when the script is quiet. */
        double valueAt(long elapsedMs);
    }

    /** Rises from the baseline at {@code perSecond} to {@code peak} from {@code startMs}, holds, then falls back. */
    public record Ramp(long startMs, double from, double perSecond, double peak, long holdMs) implements Script {
        @Override
        public double valueAt(long elapsedMs) {
            double s = (elapsedMs - startMs) / 1000.0;
            if (s <= 0) {
                return Double.NaN;
            }
            double riseS = (peak - from) / perSecond;
            if (s <= riseS) {
                return from + s * perSecond;
            }
            if (s <= riseS + holdMs / 1000.0) {
                return peak;
            }
            double v = peak - (s - riseS - holdMs / 1000.0) * perSecond;
            return v > from ? v : Double.NaN;
        }
    }

    /** Swings between {@code low} and {@code high} every half {@code periodMs}, between start and end. */
    public record Swing(long startMs, long endMs, double low, double high, long periodMs) implements Script {
        @Override
        public double valueAt(long elapsedMs) {
            if (elapsedMs < startMs || elapsedMs >= endMs) {
                return Double.NaN;
            }
            return ((elapsedMs - startMs) / (periodMs / 2)) % 2 == 0 ? high : low;
        }
    }

    /** Holds {@code value} from {@code startMs} for {@code holdMs}. */
    public record Step(long startMs, double value, long holdMs) implements Script {
        @Override
        public double valueAt(long elapsedMs) {
            return elapsedMs >= startMs && elapsedMs < startMs + holdMs ? value : Double.NaN;
        }
    }

    private final String sensorId;
    private final Kind kind;
    private final long intervalMs;
    private final double baseline;
    private final double noise;
    private final List<Script> scripts;

    public SimulatedPoint(String sensorId, Kind kind, long intervalMs, double baseline, double noise,
                          List<Script> scripts) {
        this.sensorId = sensorId;
        this.kind = kind;
        this.intervalMs = intervalMs;
        this.baseline = baseline;
        this.noise = noise;
        this.scripts = List.copyOf(scripts);
    }

    public SimulatedPoint withScript(Script script) {
        List<Script> more = new java.util.ArrayList<>(scripts);
        more.add(script);
        return new SimulatedPoint(sensorId, kind, intervalMs, baseline, noise, more);
    }

    /** The value at {@code elapsedMs}: the first active script's, else the baseline with a little noise. */
    double valueAt(long elapsedMs, SplittableRandom random) {
        for (Script script : scripts) {
            double v = script.valueAt(elapsedMs);
            if (!Double.isNaN(v)) {
                return v;
            }
        }
        if (noise == 0) {
            return baseline;
        }
        return Math.max(0, baseline + noise * (random.nextDouble() * 2 - 1));
    }

    public String sensorId() {
        return sensorId;
    }

    public Kind kind() {
        return kind;
    }

    public long intervalMs() {
        return intervalMs;
    }

    public boolean scripted() {
        return !scripts.isEmpty();
    }

    /** Readings a second this point sends when quiet. */
    double readingsPerSecond() {
        return 1000.0 / intervalMs;
    }
}
