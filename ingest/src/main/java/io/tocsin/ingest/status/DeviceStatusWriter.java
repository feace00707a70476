package io.tocsin.ingest.status;

import io.tocsin.proto.v1.DeviceStatus;

/**
 * Where device status events go (Kafka topic "status" in production, see {@link KafkaDeviceStatusWriter}).
 * Called on Netty event loops: must not block. Best effort: a lost status event is logged and counted, it never
 * holds up a connection.
 */
@FunctionalInterface
public interface DeviceStatusWriter {

    void write(DeviceStatus status);
}
