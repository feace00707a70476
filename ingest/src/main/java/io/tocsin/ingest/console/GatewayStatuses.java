package io.tocsin.ingest.console;

import io.tocsin.proto.v1.ConnectionState;
import io.tocsin.proto.v1.DeviceStatus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Online/offline of every gateway, from the ingest servers' {@link DeviceStatus} events. Confined to the console's
 * event loop.
 *
 * <p>A status names its site and device when the ingest server knows the gateway's registered identity. A server
 * without a credential registry (the demo, development) leaves them empty; then a client id of the form
 * {@code site.device} (the edge agent's default) is read as such, and other client ids are ignored.
 */
final class GatewayStatuses {

    /** One gateway. */
    record Gateway(String siteId, String deviceId, boolean online, long sinceMs) {
    }

    private final Map<String, Map<String, Gateway>> bySite = new TreeMap<>();

    /** Applies a status; returns the gateway's new state, or empty when the status names no gateway or is stale. */
    Optional<Gateway> apply(DeviceStatus status) {
        String site = status.getSiteId();
        String device = status.getDeviceId();
        if (site.isEmpty() || device.isEmpty()) {
            String clientId = status.getClientId();
            int dot = clientId.indexOf('.');
            if (dot <= 0 || dot == clientId.length() - 1 || clientId.indexOf('.', dot + 1) >= 0) {
                return Optional.empty();
            }
            site = clientId.substring(0, dot);
            device = clientId.substring(dot + 1);
        }
        boolean online = status.getState() == ConnectionState.CONNECTION_STATE_ONLINE;
        if (!online && status.getState() != ConnectionState.CONNECTION_STATE_OFFLINE) {
            return Optional.empty();
        }
        Map<String, Gateway> gateways = bySite.computeIfAbsent(site, s -> new TreeMap<>());
        Gateway previous = gateways.get(device);
        if (previous != null && previous.sinceMs() > status.getEventTimeMs()) {
            return Optional.empty();
        }
        Gateway now = new Gateway(site, device, online, status.getEventTimeMs());
        gateways.put(device, now);
        return Optional.of(now);
    }

    List<Gateway> visibleTo(Viewer viewer) {
        List<Gateway> result = new ArrayList<>();
        bySite.forEach((site, gateways) -> {
            if (viewer.coversSite(site)) {
                result.addAll(gateways.values());
            }
        });
        return result;
    }
}
