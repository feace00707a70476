package io.tocsin.standalone.faults;

import io.tocsin.edge.uplink.Uplink;
import io.tocsin.edge.uplink.UplinkException;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway's real uplink, plus a record of what the platform acknowledged: a batch counts once {@code send}
 * returned normally (a successful PUBACK), never before. This is the "acknowledged" the audit holds the platform to.
 */
final class RecordingUplink implements Uplink {

    private final Uplink delegate;
    private final Set<String> acknowledgedReadings = ConcurrentHashMap.newKeySet();
    private final Set<Long> acknowledgedSequences = ConcurrentHashMap.newKeySet();
    private final AtomicLong acknowledgements = new AtomicLong();

    RecordingUplink(Uplink delegate) {
        this.delegate = delegate;
    }

    @Override
    public void send(TelemetryBatch batch) throws UplinkException {
        delegate.send(batch);
        // A merged backlog covers first_sequence..sequence.
        long first = batch.getFirstSequence() == 0 ? batch.getSequence() : batch.getFirstSequence();
        for (long sequence = first; sequence <= batch.getSequence(); sequence++) {
            acknowledgedSequences.add(sequence);
        }
        for (Reading r : batch.getReadingsList()) {
            acknowledgedReadings.add(key(r.getSensorId(), r.getTimestampMs()));
        }
        acknowledgements.addAndGet(batch.getReadingsCount());
    }

    @Override
    public int maxPublishBytes() {
        return delegate.maxPublishBytes();
    }

    static String key(String sensor, long timestampMs) {
        return sensor + "@" + timestampMs;
    }

    /** Distinct readings acknowledged, as {@code sensor@timestampMs}. */
    Set<String> acknowledgedReadings() {
        return Set.copyOf(acknowledgedReadings);
    }

    Set<Long> acknowledgedSequences() {
        return Set.copyOf(acknowledgedSequences);
    }

    /** Readings acknowledged, counting a resent one each time (for rates and recovery times). */
    long acknowledgements() {
        return acknowledgements.get();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
