package io.tocsin.ingest.mqtt;

import java.util.function.LongSupplier;

/**
 * A token bucket on the PUBLISHes of one connection: a gateway whose firmware loops, or a compromised device,
 * must not take the telemetry log's capacity from the rest of the park. Each connection has its own bucket
 * (created with the connection), so a device that reconnects starts with a full burst; the connection rate limit
 * keeps that from being a way around the limit.
 *
 * <p>Event loop only (one bucket per connection): no locking.
 */
public final class PublishRateLimit {

    private final double perSecond;
    private final double burst;
    private final LongSupplier nanoTime;
    private double tokens;
    private long refilledAt;

    /**
     * @param perSecond publishes allowed per second on average; 0 for no limit
     * @param burst     publishes allowed at once after a quiet period (at least 1 when limited)
     * @param nanoTime  the clock, as {@link System#nanoTime} (tests pass their own)
     */
    public PublishRateLimit(double perSecond, int burst, LongSupplier nanoTime) {
        if (perSecond < 0 || Double.isNaN(perSecond) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException("publishes per second must be >= 0: " + perSecond);
        }
        if (perSecond > 0 && burst < 1) {
            throw new IllegalArgumentException("publish burst must be >= 1: " + burst);
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.tokens = burst;
        this.nanoTime = nanoTime;
        this.refilledAt = nanoTime.getAsLong();
    }

    /** Whether one more PUBLISH may be taken now (and if so, it is counted). */
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
