package io.tocsin.edge.uplink;

import io.tocsin.proto.v1.TelemetryBatch;

/** The way telemetry leaves the gateway for the platform (MQTT today, CoAP later). */
public interface Uplink extends AutoCloseable {

    /**
     * Largest publish an agent builds when it merges a backlog (a quarter of the platform's default MQTT maximum
     * packet size of 256 KiB, so a gateway never learns the limit by being refused).
     */
    int DEFAULT_MAX_PUBLISH_BYTES = 64 * 1024;

    /**
     * Sends one batch and returns only once the platform acknowledged it.
     *
     * @throws UplinkException if it was not acknowledged: the caller keeps the batch and sends it again
     */
    void send(TelemetryBatch batch) throws UplinkException;

    /**
     * The largest batch, serialized, that the agent may build by merging buffered batches. Batches as polled are
     * sent as they are, whatever their size.
     */
    default int maxPublishBytes() {
        return DEFAULT_MAX_PUBLISH_BYTES;
    }

    @Override
    void close();
}
