package io.tocsin.ingest.notify;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * When to try a webhook again: exponential backoff from {@code firstRetry}, doubling up to {@code maxRetry}, with
 * "equal jitter" (half the delay fixed, half random) so that many stations' retries after a shared outage do not
 * arrive in lock step; and when to stop: {@code giveUpAfter} from the moment the alarm event was accepted, after
 * which the delivery goes to the dead letters.
 *
 * @param requestTimeout how long one request may take, connect and response together
 */
public record RetryPolicy(Duration firstRetry, Duration maxRetry, Duration giveUpAfter, Duration requestTimeout) {

    public static final RetryPolicy DEFAULT = new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(60),
            Duration.ofMinutes(15), Duration.ofSeconds(10));

    public RetryPolicy {
        Objects.requireNonNull(firstRetry, "firstRetry");
        Objects.requireNonNull(maxRetry, "maxRetry");
        Objects.requireNonNull(giveUpAfter, "giveUpAfter");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        if (firstRetry.isNegative() || firstRetry.isZero() || maxRetry.compareTo(firstRetry) < 0
                || giveUpAfter.isNegative() || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("need 0 < firstRetry <= maxRetry, giveUpAfter >= 0, requestTimeout > 0: "
                    + this);
        }
    }

    /** The pause before retry number {@code retry} (1 for the first retry), jittered. */
    public Duration delayBeforeRetry(int retry, RandomGenerator random) {
        long capMs = maxRetry.toMillis();
        long ms = firstRetry.toMillis();
        for (int i = 1; i < retry && ms < capMs; i++) {
            ms *= 2;
        }
        ms = Math.min(ms, capMs);
        long half = ms / 2;
        return Duration.ofMillis(ms - half + (half == 0 ? 0 : random.nextLong(half + 1)));
    }
}
