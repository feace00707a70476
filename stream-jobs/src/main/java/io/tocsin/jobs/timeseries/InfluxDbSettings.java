package io.tocsin.jobs.timeseries;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how the time-series sink writes: an InfluxDB v2 write API endpoint (InfluxDB 2.x/3.x, or the
 * embedded store of the standalone default) and the batching that keeps it efficient.
 *
 * @param url             base URL, e.g. {@code http://127.0.0.1:8086}
 * @param token           API token ("" where the server needs none)
 * @param org             organisation (InfluxDB 2.x)
 * @param bucket          bucket (database)
 * @param maxBatchLines   a batch is written as soon as it holds this many lines
 * @param flushInterval   and at the latest this long after its first line, so quiet hours still reach the store
 * @param maxRetryBackoff retries of a failed write back off exponentially up to this
 */
public record InfluxDbSettings(String url, String token, String org, String bucket, int maxBatchLines,
                               Duration flushInterval, Duration maxRetryBackoff) implements Serializable {

    public InfluxDbSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(org, "org");
        Objects.requireNonNull(bucket, "bucket");
        if (maxBatchLines < 1) {
            throw new IllegalArgumentException("maxBatchLines must be at least 1: " + maxBatchLines);
        }
        if (flushInterval.isNegative() || flushInterval.isZero()) {
            throw new IllegalArgumentException("flushInterval must be positive: " + flushInterval);
        }
        if (maxRetryBackoff.isNegative() || maxRetryBackoff.isZero()) {
            throw new IllegalArgumentException("maxRetryBackoff must be positive: " + maxRetryBackoff);
        }
    }

    /** 5,000 lines or 1 s per batch, retries backing off up to 30 s. */
    public static InfluxDbSettings of(String url, String token, String org, String bucket) {
        return new InfluxDbSettings(url, token, org, bucket, 5_000, Duration.ofSeconds(1), Duration.ofSeconds(30));
    }
}
