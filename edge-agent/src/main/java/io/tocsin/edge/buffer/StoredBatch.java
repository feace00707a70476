package io.tocsin.edge.buffer;

import io.tocsin.proto.v1.TelemetryBatch;

/** A batch as kept in the buffer: {@code id} is its row, the handle to remove it once acknowledged. */
public record StoredBatch(long id, Lane lane, TelemetryBatch batch) {
}
