package io.tocsin.ingest.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.ingest.telemetry.TelemetryBatchCheck.Kind;
import io.tocsin.ingest.telemetry.TelemetryBatchCheck.Problem;
import io.tocsin.proto.MqttTopics.DeviceAddress;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import org.junit.jupiter.api.Test;

/** The one check MQTT and CoAP telemetry both pass before the log. */
class TelemetryBatchCheckTest {

    private static final DeviceAddress ADDRESS = new DeviceAddress("park-1", "gw-1");

    @Test
    void aBatchOfTheAddressedDeviceWithReadingsPasses() {
        assertThat(TelemetryBatchCheck.check(ADDRESS, batch("park-1", "gw-1", 1), "topic")).isEmpty();
    }

    @Test
    void eachProblemHasItsKindAndSaysWhatWasAddressed() {
        assertThat(TelemetryBatchCheck.check(ADDRESS, new byte[] {(byte) 0xff}, "topic")).get()
                .extracting(Problem::kind).isEqualTo(Kind.BAD_PAYLOAD);
        assertThat(TelemetryBatchCheck.check(ADDRESS, batch("park-1", "gw-1", 0), "topic")).get()
                .isEqualTo(new Problem(Kind.EMPTY_BATCH, "batch has no readings"));
        assertThat(TelemetryBatchCheck.check(ADDRESS, batch("park-1", "gw-2", 1), "path")).get()
                .isEqualTo(new Problem(Kind.SITE_DEVICE_MISMATCH,
                        "batch says site 'park-1' device 'gw-2', path says site 'park-1' device 'gw-1'"));
    }

    private static byte[] batch(String site, String device, int readings) {
        TelemetryBatch.Builder batch = TelemetryBatch.newBuilder().setSiteId(site).setDeviceId(device);
        for (int i = 0; i < readings; i++) {
            batch.addReadings(Reading.newBuilder().setSensorId("gas-" + i).setValue(i));
        }
        return batch.build().toByteArray();
    }
}
