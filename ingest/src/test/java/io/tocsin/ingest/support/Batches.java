package io.tocsin.ingest.support;

import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;

/** Telemetry batches for tests. */
public final class Batches {

    private Batches() {
    }

    public static TelemetryBatch batch(String siteId, String deviceId, long sequence) {
        return TelemetryBatch.newBuilder()
                .setSiteId(siteId)
                .setDeviceId(deviceId)
                .setSequence(sequence)
                .addReadings(Reading.newBuilder()
                        .setSensorId("gas-03")
                        .setTimestampMs(1_700_000_000_000L + sequence)
                        .setValue(12.5)
                        .setQuality(Quality.QUALITY_GOOD)
                        .setUnit("%LEL"))
                .build();
    }

    public static byte[] bytes(String siteId, String deviceId, long sequence) {
        return batch(siteId, deviceId, sequence).toByteArray();
    }
}
