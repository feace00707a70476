package io.tocsin.ingest.telemetry;

import io.tocsin.proto.MqttTopics.DeviceAddress;

import java.util.concurrent.CompletableFuture;

/**
 * The durable telemetry log (Kafka in production). The MQTT server acknowledges a device's batch only once the
 * future returned here completed successfully: that is what makes "acknowledged" mean "will not be lost".
 */
@FunctionalInterface
public interface TelemetryWriter {

    /**
     * Starts appending one valid batch.
     *
     * <p>Called on a Netty event loop: must return quickly and never wait for the network. The future may
     * complete on any thread. Failing to start the append may be reported by throwing or by a failed future;
     * both mean "not written".
     *
     * @param address the site and device of the batch (already checked against the batch's own ids)
     * @param payload the serialized {@code TelemetryBatch} exactly as the device sent it; not modified afterwards
     * @return completes when the batch is durably written; fails when it is not
     */
    CompletableFuture<?> append(DeviceAddress address, byte[] payload);
}
