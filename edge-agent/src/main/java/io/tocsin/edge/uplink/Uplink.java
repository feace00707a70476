package io.tocsin.edge.uplink;

import io.tocsin.proto.v1.TelemetryBatch;

/** The way telemetry leaves the gateway for the platform (MQTT today, CoAP later). */
public interface Uplink extends AutoCloseable {

    /**
     * Sends one batch and returns only once the platform acknowledged it.
     *
     * @throws UplinkException if it was not acknowledged: the caller keeps the batch and sends it again
     */
    void send(TelemetryBatch batch) throws UplinkException;

    @Override
    void close();
}
