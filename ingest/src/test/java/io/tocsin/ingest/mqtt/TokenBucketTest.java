package io.tocsin.ingest.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PublishRateLimitTest {

    private final AtomicLong now = new AtomicLong(5_000_000_000L);

    @Test
    void theBurstIsTakenAtOnceAndTheNextPublishIsNot() {
        TokenBucket limit = new TokenBucket(10, 4, now::get);

        for (int i = 0; i < 4; i++) {
            assertThat(limit.tryAcquire()).as("publish %d of the burst", i + 1).isTrue();
        }
        assertThat(limit.tryAcquire()).isFalse();
    }

    @Test
    void publishesComeBackAtTheRateButNeverAboveTheBurst() {
        TokenBucket limit = new TokenBucket(10, 2, now::get);
        limit.tryAcquire();
        limit.tryAcquire();

        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(99));
        assertThat(limit.tryAcquire()).as("99 ms at 10/s is not yet one publish").isFalse();
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(limit.tryAcquire()).as("100 ms at 10/s is one").isTrue();

        now.addAndGet(TimeUnit.HOURS.toNanos(1));
        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).isTrue();
        assertThat(limit.tryAcquire()).as("a quiet hour refills only up to the burst").isFalse();
    }

    @Test
    void aRateBelowOnePerSecondIsAllowed() {
        TokenBucket limit = new TokenBucket(0.5, 1, now::get);
        assertThat(limit.tryAcquire()).isTrue();
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1999));
        assertThat(limit.tryAcquire()).isFalse();
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
        assertThat(limit.tryAcquire()).isTrue();
    }

    @Test
    void zeroMeansNoLimit() {
        TokenBucket limit = new TokenBucket(0, 0, now::get);
        for (int i = 0; i < 10_000; i++) {
            assertThat(limit.tryAcquire()).isTrue();
        }
    }

    @Test
    void aRateWithoutBurstIsRefused() {
        assertThatThrownBy(() -> new TokenBucket(5, 0, now::get)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("burst");
    }
}
