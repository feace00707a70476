package io.tocsin.ingest.support;

import io.tocsin.ingest.telemetry.TelemetryWriter;
import io.tocsin.proto.MqttTopics.DeviceAddress;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;

/** A telemetry log that records appends and lets the test decide when (and how) each one completes. */
public final class RecordingTelemetryWriter implements TelemetryWriter {

    /** One append: what was written, and the future the server waits on. */
    public record Append(DeviceAddress address, byte[] payload, CompletableFuture<Void> future) {

        public void succeed() {
            future.complete(null);
        }

        public void fail() {
            future.completeExceptionally(new IllegalStateException("test: telemetry log down"));
        }
    }

    private final List<Append> appends = new CopyOnWriteArrayList<>();
    private volatile boolean completeImmediately;

    @Override
    public CompletableFuture<?> append(DeviceAddress address, byte[] payload) {
        Append append = new Append(address, payload, new CompletableFuture<>());
        appends.add(append);
        if (completeImmediately) {
            append.succeed();
        }
        return append.future();
    }

    /** For tests about something else: every append succeeds at once. */
    public void completeImmediately() {
        completeImmediately = true;
    }

    /** Back to the test deciding each append. */
    public void completeManually() {
        completeImmediately = false;
    }

    public List<Append> appends() {
        return appends;
    }

    /** Waits until the append with this index (0-based) arrived. */
    public Append awaitAppend(int index) {
        await().until(() -> appends.size() > index);
        return appends.get(index);
    }
}
