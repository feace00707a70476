package io.tocsin.ingest;

/**
 * Limits on what connected clients may do, beyond the per-connection ones of {@link IngestConfig}.
 *
 * @param publishesPerSecond   PUBLISHes one connection may send per second on average; 0 for no limit. Above it
 *                             MQTT 5 clients get DISCONNECT 0x96 (message rate too high), MQTT 3.1.1 clients a close
 * @param publishBurst         PUBLISHes a connection may send at once (e.g. a gateway flushing its store-and-forward
 *                             backlog after an outage); at least 1 when a rate is set
 * @param maxKeepAliveSeconds  longest keep alive an MQTT 5 client may use, 0 for no maximum: one asking for more, or
 *                             for none, gets this as Server Keep Alive in the CONNACK and is closed after 1.5 x it
 * @param memoryHighWaterBytes telemetry payload bytes all connections together may have waiting for the telemetry
 *                             log; above it no connection is read
 * @param memoryLowWaterBytes  reading resumes when the waiting bytes fell to this
 */
public record PublishLimits(double publishesPerSecond, int publishBurst, int maxKeepAliveSeconds,
                            long memoryHighWaterBytes, long memoryLowWaterBytes) {

    public static final long DEFAULT_MEMORY_HIGH_WATER_BYTES = 64L * 1024 * 1024;
    public static final long DEFAULT_MEMORY_LOW_WATER_BYTES = 32L * 1024 * 1024;

    public PublishLimits {
        if (!(publishesPerSecond >= 0) || Double.isInfinite(publishesPerSecond)) {
            throw new IllegalArgumentException("publishesPerSecond must be >= 0 (0: no limit): " + publishesPerSecond);
        }
        if (publishesPerSecond > 0 && publishBurst < 1) {
            throw new IllegalArgumentException("publishBurst must be >= 1 when a publish rate is set: " + publishBurst);
        }
        if (maxKeepAliveSeconds < 0 || maxKeepAliveSeconds > 65_535) {
            throw new IllegalArgumentException("maxKeepAliveSeconds must be 0..65535 (0: no maximum): "
                    + maxKeepAliveSeconds);
        }
        if (memoryHighWaterBytes <= 0 || memoryLowWaterBytes < 0 || memoryLowWaterBytes >= memoryHighWaterBytes) {
            throw new IllegalArgumentException("memory budget needs 0 <= memoryLowWaterBytes < memoryHighWaterBytes: "
                    + memoryLowWaterBytes + ", " + memoryHighWaterBytes);
        }
    }

    /** No publish rate limit, no keep alive maximum, 64 MiB of telemetry in flight (resume at 32 MiB). */
    public static PublishLimits defaults() {
        return new PublishLimits(0, 0, 0, DEFAULT_MEMORY_HIGH_WATER_BYTES, DEFAULT_MEMORY_LOW_WATER_BYTES);
    }

    public PublishLimits withPublishRate(double publishesPerSecond, int publishBurst) {
        return new PublishLimits(publishesPerSecond, publishBurst, maxKeepAliveSeconds, memoryHighWaterBytes,
                memoryLowWaterBytes);
    }

    public PublishLimits withMaxKeepAlive(int maxKeepAliveSeconds) {
        return new PublishLimits(publishesPerSecond, publishBurst, maxKeepAliveSeconds, memoryHighWaterBytes,
                memoryLowWaterBytes);
    }

    public PublishLimits withMemoryBudget(long memoryHighWaterBytes, long memoryLowWaterBytes) {
        return new PublishLimits(publishesPerSecond, publishBurst, maxKeepAliveSeconds, memoryHighWaterBytes,
                memoryLowWaterBytes);
    }
}
