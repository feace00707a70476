package io.tocsin.ingest.mqtt;

import java.util.function.LongSupplier;

/**
 * A token bucket: at most {@code burst} at once, refilled at {@code perSecond}. Used on the PUBLISHes of one
 * connection (a gateway whose firmware loops, or a compromised device, must not take the telemetry log's
 * capacity from the rest of the park; each connection has its own bucket, so a device that reconnects starts
 * with a full burst, which the connection rate limit bounds) and, behind a lock, on new connections
 * ({@link ConnectionRateLimit}).
 *
 * <p>Not thread safe: one owner (an event loop) or a lock around it.
 */
public final class TokenBucket {

    private final double perSecond;
    private final double burst;
    private final LongSupplier nanoTime;
    private double tokens;
    private long refilledAt;

    /**
     * @param perSecond acquisitions allowed per second on average; 0 for no limit
     * @param burst     acquisitions allowed at once after a quiet period (at least 1 when limited)
     * @param nanoTime  the clock, as {@link System#nanoTime} (tests pass their own)
     */
    public TokenBucket(double perSecond, int burst, LongSupplier nanoTime) {
        if (perSecond < 0 || Double.isNaN(perSecond) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("rate per second must be >= 0: " + perSecond);
        }
        if (perSecond > 0 && burst < 1) {
            throw new IllegalArgumentException("burst must be >= 1: " + burst);
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.tokens = burst;
        this.nanoTime = nanoTime;
        this.refilledAt = nanoTime.getAsLong();
    }

    /** Whether one more may be taken now (and if so, it is counted). */
    public boolean tryAcquire() {
        if (perSecond == 0) {
            return true;
        }
        long now = nanoTime.getAsLong();
        tokens = Math.min(burst, tokens + (now - refilledAt) / 1e9 * perSecond);
        refilledAt = now;
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }
}
