package io.tocsin.ingest.mqtt;

/**
 * A token bucket on new TCP connections, so that a reconnect storm (every gateway of a park after a network
 * outage, or after a server restart) cannot swamp the server with handshakes and credential checks: past the rate
 * a new connection is closed at once, and the device retries after its back-off. Thread safe.
 */
public final class ConnectionRateLimit {

    /** No limit. */
    public static final ConnectionRateLimit UNLIMITED = new ConnectionRateLimit(0);

    private final double perSecond;
    private final double burst;
    private double tokens;
    private long refilledAt = System.nanoTime();

    /** @param perSecond new connections allowed per second (also the burst); 0 for no limit */
    public ConnectionRateLimit(int perSecond) {
        if (perSecond < 0) {
            throw new IllegalArgumentException("connections per second must be >= 0: " + perSecond);
        }
        this.perSecond = perSecond;
        this.burst = perSecond;
        this.tokens = perSecond;
    }

    /** Whether one more connection may be accepted now. */
    public synchronized boolean tryAcquire() {
        if (perSecond == 0) {
            return true;
        }
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - refilledAt) / 1e9 * perSecond);
        refilledAt = now;
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }
}
