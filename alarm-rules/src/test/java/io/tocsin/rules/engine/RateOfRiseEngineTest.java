package io.tocsin.rules.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.Severity;
import io.tocsin.rules.rate.RateOfRiseRule;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RateOfRiseEngineTest {

    /** 10 °C/min over 60 s, at least 4 samples. */
    private static RateOfRiseRule rule() {
        return new RateOfRiseRule(RuleCommon.of("heat-ror", Severity.RED), 10, 8, 60_000, 4, 64);
    }

    @Test
    void aSteadyRiseAboveTheRateFiresOnceTheWindowIsHalfCovered() {
        Sensor s = new Sensor(rule());
        List<AlarmTransition> fired = List.of();
        long t = 0;
        // 12 °C/min = 0.2 °C/s, one sample per 5 s.
        for (; t <= 60_000 && fired.isEmpty(); t += 5_000) {
            fired = s.read(t, 20 + 0.2 * t / 1000.0);
        }

        assertThat(fired).singleElement().satisfies(a -> {
            assertThat(a.state()).isEqualTo(AlarmState.ACTIVE_UNACKNOWLEDGED);
            assertThat(a.value()).as("measured slope, °C/min").isCloseTo(12, org.assertj.core.data.Offset.offset(1e-6));
            assertThat(a.threshold()).isEqualTo(10);
            assertThat(a.eventTimeMs()).as("not before half the window (30 s) is covered").isEqualTo(30_000);
        });
    }

    @Test
    void aRiseBelowTheRateNeverFires() {
        Sensor s = new Sensor(rule());
        for (long t = 0; t <= 300_000; t += 5_000) {
            s.read(t, 20 + 0.15 * t / 1000.0);   // 9 °C/min
        }
        assertThat(s.events).isEmpty();
    }

    @Test
    void tooFewSamplesSayNothingEvenOnASteepStep() {
        Sensor s = new Sensor(rule());
        s.read(0, 20);
        s.read(30_000, 40);   // 40 °C/min, but only 2 samples
        s.read(31_000, 41);
        assertThat(s.events).isEmpty();
        s.read(32_000, 42);   // 4 samples spanning 32 s
        assertThat(s.events).hasSize(1);
    }

    @Test
    void jitterInTimesAndValuesAndAMissingSampleDoNotMatter() {
        Random random = new Random(7);
        Sensor steady = new Sensor(rule());
        Sensor noisy = new Sensor(rule());
        for (int i = 0; i <= 24; i++) {
            long t = i * 5_000L;
            steady.read(t, 20 + 0.2 * t / 1000.0);
            if (i == 4) {
                continue;   // a lost reading
            }
            long jittered = t + random.nextInt(1_200) - 600;
            noisy.read(jittered, 20 + 0.2 * jittered / 1000.0 + random.nextGaussian() * 0.2);
        }

        assertThat(noisy.events).hasSize(1);
        assertThat(noisy.events.get(0).eventTimeMs()).isBetween(25_000L, 40_000L);
        assertThat(noisy.events.get(0).value()).isBetween(10.0, 14.0);
        assertThat(steady.events).hasSize(1);
    }

    @Test
    void itReturnsBelowTheResetRateAndIgnoresUntrustedReadings() {
        Sensor s = new Sensor(rule());
        long t = 0;
        for (; t <= 40_000; t += 5_000) {
            s.read(t, 20 + 0.2 * t / 1000.0);
        }
        assertThat(s.events).hasSize(1);
        s.read(t, Double.NaN);
        for (t += 5_000; t <= 200_000 && s.events.size() == 1; t += 5_000) {
            s.read(t, 28);   // flat
        }
        assertThat(s.events).extracting(AlarmTransition::state)
                .containsExactly(AlarmState.ACTIVE_UNACKNOWLEDGED, AlarmState.RETURNED_UNACKNOWLEDGED);
    }
}
