package io.tocsin.ingest.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConnectionRateLimitTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Test
    void aBurstUpToTheRateIsAcceptedAndTheNextConnectionIsNot() {
        ConnectionRateLimit limit = new ConnectionRateLimit(3, now::get);

        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).isFalse();
    }

    @Test
    void tokensComeBackAtTheRateButNeverAboveTheBurst() {
        ConnectionRateLimit limit = new ConnectionRateLimit(2, now::get);
        limit.tryAcquire();
        limit.tryAcquire();

        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(499));
        assertThat(limit.tryAcquire()).as("not yet half a second").isFalse();
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(2));
        assertThat(limit.tryAcquire()).as("half a second refills one at 2/s").isTrue();

        now.addAndGet(TimeUnit.SECONDS.toNanos(60));
        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).as("a quiet minute refills only up to the burst").isFalse();
    }

    @Test
    void zeroMeansNoLimit() {
        ConnectionRateLimit limit = new ConnectionRateLimit(0, now::get);
        for (int i = 0; i < 10_000; i++) {
            assertThat(limit.tryAcquire()).isTrue();
        }
    }
}
