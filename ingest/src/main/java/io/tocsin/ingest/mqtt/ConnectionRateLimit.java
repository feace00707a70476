package io.tocsin.ingest.mqtt;

import java.util.function.LongSupplier;

/**
 * A token bucket on new TCP connections, so that a reconnect storm (every gateway of a park after a network
 * outage, or after a server restart) cannot swamp the server with handshakes and credential checks: past the rate
 * a new connection is closed at once, and the device retries after its back-off. Thread safe.
 */
public final class ConnectionRateLimit {

    /** No limit. */
    public static final ConnectionRateLimit UNLIMITED = new ConnectionRateLimit(0);

    private final TokenBucket bucket;

    /** @param perSecond new connections allowed per second (also the burst); 0 for no limit */
    public ConnectionRateLimit(int perSecond) {
        this(perSecond, System::nanoTime);
    }

    /** With a clock of its own (nanoseconds, as {@link System#nanoTime}), for tests. */
    ConnectionRateLimit(int perSecond, LongSupplier nanoTime) {
        if (perSecond < 0) {
            throw new IllegalArgumentException("connections per second must be >= 0: " + perSecond);
        }
        this.bucket = new TokenBucket(perSecond, perSecond, nanoTime);
    }

    /** Whether one more connection may be accepted now. */
    public synchronized boolean tryAcquire() {
        return bucket.tryAcquire();
    }
}
