package io.tocsin.edge.uplink;

import io.tocsin.proto.v1.TelemetryBatch;

/**
 * An uplink that connects on the first send and again after a failed connect, so that an agent started
 * while the platform is unreachable (the usual case after a site-wide power cut) still starts, polls and
 * buffers; the agent's retry back-off paces the connection attempts.
 */
public final class ConnectOnDemandUplink implements Uplink {

    /** Opens a connected uplink, or says why it could not. */
    @FunctionalInterface
    public interface Connector {
        Uplink connect() throws UplinkException;
    }

    private final Connector connector;
    private final int maxPublishBytes;
    private Uplink connected;

    /** For an MQTT uplink (merged backlogs up to {@link Uplink#DEFAULT_MAX_PUBLISH_BYTES}). */
    public ConnectOnDemandUplink(Connector connector) {
        this(connector, DEFAULT_MAX_PUBLISH_BYTES);
    }

    /** @param maxPublishBytes the connected uplink's {@link #maxPublishBytes()}, needed before it connects */
    public ConnectOnDemandUplink(Connector connector, int maxPublishBytes) {
        this.connector = connector;
        this.maxPublishBytes = maxPublishBytes;
    }

    @Override
    public int maxPublishBytes() {
        return maxPublishBytes;
    }

    @Override
    public synchronized void send(TelemetryBatch batch) throws UplinkException {
        if (connected == null) {
            connected = connector.connect();
        }
        connected.send(batch);
    }

    @Override
    public synchronized void close() {
        if (connected != null) {
            connected.close();
            connected = null;
        }
    }
}
