package io.tocsin.jobs.gateways;

/**
 * A gateway's connection coming or going, as one ingest server saw it (from {@code tocsin.v1.DeviceStatus}).
 *
 * @param online      true for a connection accepted, false for one ended
 * @param cause       the status cause's name, for the log
 * @param eventTimeMs when the ingest server saw it (that server's clock)
 * @param serverId    the ingest server that saw it: a gateway reconnecting elsewhere shows up on another server
 */
public record GatewayStatus(String siteId, String deviceId, String clientId, boolean online, String cause,
        long eventTimeMs, String serverId) {

    /** The cause's name when a newer connection with the same client id replaced this one. */
    public static final String TAKEN_OVER = "STATUS_CAUSE_TAKEN_OVER";

    public boolean takenOver() {
        return TAKEN_OVER.equals(cause);
    }

    public String key() {
        return GatewayInput.keyOf(siteId, deviceId);
    }
}
