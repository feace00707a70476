package io.tocsin.ingest.telemetry;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tocsin.proto.MqttTopics.DeviceAddress;
import io.tocsin.proto.TelemetryBatchHeader;
import io.tocsin.proto.v1.TelemetryBatch;

import java.util.Optional;

/**
 * What a telemetry batch must be before it goes to the log, whichever protocol brought it (MQTT topic or CoAP
 * path): a {@link TelemetryBatch} with at least one reading, of the site and device it was addressed to. The bytes
 * are checked without building the readings (see {@link TelemetryBatchHeader}); they go to the log as they are.
 */
public final class TelemetryBatchCheck {

    /** The kinds of problem a batch can have. */
    public enum Kind {
        BAD_PAYLOAD, EMPTY_BATCH, SITE_DEVICE_MISMATCH
    }

    /** Why a batch is refused: the kind, and the words for the log and the device. */
    public record Problem(Kind kind, String why) {
    }

    private TelemetryBatchCheck() {
    }

    /**
     * @param address     the site and device the batch was sent to
     * @param addressedBy what named them, for the message ("topic", "path")
     * @return empty when the batch may go to the log
     */
    public static Optional<Problem> check(DeviceAddress address, byte[] payload, String addressedBy) {
        TelemetryBatchHeader batch;
        try {
            batch = TelemetryBatchHeader.read(payload);
        } catch (InvalidProtocolBufferException e) {
            return Optional.of(new Problem(Kind.BAD_PAYLOAD, "payload is not a TelemetryBatch: " + e.getMessage()));
        }
        if (batch.readings() == 0) {
            return Optional.of(new Problem(Kind.EMPTY_BATCH, "batch has no readings"));
        }
        if (!batch.siteId().equals(address.siteId()) || !batch.deviceId().equals(address.deviceId())) {
            return Optional.of(new Problem(Kind.SITE_DEVICE_MISMATCH, "batch says site '" + batch.siteId()
                    + "' device '" + batch.deviceId() + "', " + addressedBy + " says site '" + address.siteId()
                    + "' device '" + address.deviceId() + "'"));
        }
        return Optional.empty();
    }
}
