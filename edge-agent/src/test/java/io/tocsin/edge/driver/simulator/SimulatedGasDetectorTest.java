package io.tocsin.edge.driver.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tocsin.edge.driver.simulator.SimulatedGasDetector.Leak;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SimulatedGasDetectorTest {

    private static final long T0 = 1_700_000_000_000L;
    private final SimulatedGasDetector leaking = new SimulatedGasDetector("gas-01", 1.0, 0.5, T0,
            Optional.of(new Leak(Duration.ofSeconds(10), 5.0, 40.0, Duration.ofSeconds(20))));

    @Test
    void baselineStaysNearItsLevelAndNeverNegative() {
        SimulatedGasDetector quiet = new SimulatedGasDetector("gas-02", 0.2, 0.5, T0, Optional.empty());
        for (long t = T0; t < T0 + 60_000; t += 250) {
            assertThat(quiet.valueAt(t)).isBetween(0.0, 0.7);
        }
    }

    @Test
    void scriptedLeakRisesHoldsAndVentilates() {
        assertThat(leaking.valueAt(T0 + 9_000)).isLessThan(2.0);
        assertThat(leaking.valueAt(T0 + 14_000)).isCloseTo(20.0, within(0.01));
        assertThat(leaking.valueAt(T0 + 18_000)).isCloseTo(40.0, within(0.01));
        assertThat(leaking.valueAt(T0 + 37_000)).isCloseTo(40.0, within(0.01));
        assertThat(leaking.valueAt(T0 + 41_000)).isCloseTo(25.0, within(0.01));
        assertThat(leaking.valueAt(T0 + 60_000)).isLessThan(2.0);
    }

    @Test
    void sameTimeGivesSameReading() {
        assertThat(leaking.poll(T0 + 1234)).isEqualTo(leaking.poll(T0 + 1234));
    }

    @Test
    void readingCarriesSensorTimeUnitAndGoodQuality() {
        Reading reading = leaking.poll(T0 + 14_000).get(0);

        assertThat(reading.getSensorId()).isEqualTo("gas-01");
        assertThat(reading.getTimestampMs()).isEqualTo(T0 + 14_000);
        assertThat(reading.getUnit()).isEqualTo("%LEL");
        assertThat(reading.getQuality()).isEqualTo(Quality.QUALITY_GOOD);
        assertThat(reading.getValue()).isCloseTo(20.0, within(0.01));
    }
}
