package io.tocsin.ingest;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds on persistent sessions, so that absent clients cannot make the server hold unbounded memory.
 *
 * @param maxQueued messages (QoS 1/2) kept for one absent client; past it the oldest are dropped and counted
 * @param maxExpiry longest a session may outlive its connection (MQTT 3.1.1 Clean Session 0 gets exactly this)
 */
public record SessionLimits(int maxQueued, Duration maxExpiry) {

    public static final int DEFAULT_MAX_QUEUED = 1000;
    public static final Duration DEFAULT_MAX_EXPIRY = Duration.ofDays(1);

    public SessionLimits {
        Objects.requireNonNull(maxExpiry, "maxExpiry");
        if (maxQueued <= 0) {
            throw new IllegalArgumentException("maxQueued must be positive: " + maxQueued);
        }
        if (maxExpiry.isNegative() || maxExpiry.toSeconds() > 0xFFFF_FFFEL) {
            throw new IllegalArgumentException("maxExpiry out of range: " + maxExpiry);
        }
    }

    public static SessionLimits defaults() {
        return new SessionLimits(DEFAULT_MAX_QUEUED, DEFAULT_MAX_EXPIRY);
    }
}
