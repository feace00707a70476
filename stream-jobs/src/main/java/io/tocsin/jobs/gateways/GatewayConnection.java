package io.tocsin.jobs.gateways;

/**
 * Where a gateway is connected, as far as the status events tell, so that events arriving out of order from
 * several ingest servers are judged by time and server rather than by arrival.
 *
 * <p>A gateway has at most one live MQTT connection: a newer connection (on any server) supersedes an older one.
 * So an ONLINE newer than the last change moves the gateway to its server; an OFFLINE counts only when it is
 * from the server of the current connection and not older than it. An OFFLINE from another server is the late
 * end of a connection already replaced (the gateway had moved on), and an event older than the last change is
 * old news. An OFFLINE because a newer connection took the client id over says nothing about being offline
 * (the same server writes the new connection's ONLINE just before it).
 *
 * @param online   whether the gateway is connected
 * @param serverId the ingest server of the current (or last) connection
 * @param sinceMs  event time of the last change that counted
 */
public record GatewayConnection(boolean online, String serverId, long sinceMs) {

    /** The connection after {@code s}, or null when the event changes nothing (out of order or superseded). */
    public static GatewayConnection after(GatewayConnection current, GatewayStatus s) {
        if (!s.online() && s.takenOver()) {
            return null;
        }
        if (current == null) {
            return new GatewayConnection(s.online(), s.serverId(), s.eventTimeMs());
        }
        if (s.eventTimeMs() < current.sinceMs()) {
            return null;
        }
        if (s.online()) {
            return new GatewayConnection(true, s.serverId(), s.eventTimeMs());
        }
        if (current.online() && !current.serverId().equals(s.serverId())) {
            return null;
        }
        return new GatewayConnection(false, s.serverId(), s.eventTimeMs());
    }
}
