package io.tocsin.ingest.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class LiveSensorValuesTest {

    private static final Predicate<String> EVERY_SITE = siteId -> true;
    private final Viewer everyone = new Viewer("control-room", Set.of(), true);

    @Test
    void keepsTheLastPointsPerSensorAndNoMoreSensorsThanItsBound() {
        LiveSensorValues values = new LiveSensorValues(3, 2);
        for (int i = 1; i <= 5; i++) {
            values.add(batch("park-1", "gas-01", i * 1_000L, i));
        }
        values.add(batch("park-1", "gas-02", 1_000, 7));
        assertThat(values.add(batch("park-1", "gas-03", 1_000, 9))).as("readings over the bound").isEqualTo(1);

        assertThat(values.sensors()).isEqualTo(2);
        assertThat(values.visibleTo(everyone).get(0).trend()).containsExactly(3.0, 4.0, 5.0);
        assertThat(values.drainChanged(EVERY_SITE)).hasSize(2);
        assertThat(values.drainChanged(EVERY_SITE)).isEmpty();
    }

    @Test
    void aLateResendDoesNotReplaceTheNewestValue() {
        LiveSensorValues values = new LiveSensorValues(5, 10);
        values.add(batch("park-1", "gas-01", 2_000, 20));
        values.add(batch("park-1", "gas-01", 1_000, 10));
        assertThat(values.visibleTo(everyone).get(0).value()).isEqualTo(20.0);
        assertThat(values.visibleTo(new Viewer("station-09", Set.of("works-2"), false))).isEmpty();
    }

    @Test
    void onlyTheChangesOfWantedSitesAreCopiedAndEveryChangeIsForgottenOnce() {
        LiveSensorValues values = new LiveSensorValues(5, 10);
        values.add(batch("park-1", "gas-02", 1_000, 1));
        values.add(batch("works-2", "smoke-01", 1_000, 0));
        values.add(batch("park-1", "gas-01", 1_000, 2));
        values.add(batch("park-1", "gas-02", 2_000, 3));

        assertThat(values.drainChanged("park-1"::equals)).extracting(LiveSensorValues.Sensor::sensorId)
                .containsExactly("gas-02", "gas-01");
        assertThat(values.drainChanged(EVERY_SITE)).as("works-2's change was forgotten with the others").isEmpty();

        values.add(batch("park-1", "gas-02", 3_000, 4));
        assertThat(values.drainChanged(EVERY_SITE)).extracting(LiveSensorValues.Sensor::value).containsExactly(4.0);
        assertThat(values.visibleTo(everyone)).as("tiles in site and sensor order, whatever the arrival order")
                .extracting(LiveSensorValues.Sensor::sensorId).containsExactly("gas-01", "gas-02", "smoke-01");
    }

    private static TelemetryBatch batch(String site, String sensor, long t, double value) {
        return TelemetryBatch.newBuilder().setSiteId(site).setDeviceId("gw-1").setSequence(t)
                .addReadings(Reading.newBuilder().setSensorId(sensor).setTimestampMs(t).setValue(value)
                        .setQuality(Quality.QUALITY_GOOD)).build();
    }
}
