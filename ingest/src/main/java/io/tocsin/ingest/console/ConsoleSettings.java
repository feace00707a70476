package io.tocsin.ingest.console;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How the station console serves.
 *
 * @param bindHost        interface to listen on
 * @param port            HTTP port of the console (0 picks a free one)
 * @param controlRoom     the station name that sees every site (the alarm job routes uncovered and escalated
 *                        alarms to it under this name, {@code control-room} by default)
 * @param sessionLifetime how long a login lasts: a duty-room screen stays logged in for a whole shift
 * @param heartbeat       how often an idle console is sent a heartbeat, so that the page notices a dead link
 * @param trendPoints     readings kept per sensor for the control-room sparkline
 * @param maxSensors      sensors the live view keeps at most (memory bound); readings of further sensors are
 *                        counted and ignored
 * @param siteNames       display names of sites by id; a site without one is shown by its id
 */
public record ConsoleSettings(String bindHost, int port, String controlRoom, Duration sessionLifetime,
                              Duration heartbeat, int trendPoints, int maxSensors, Map<String, String> siteNames) {

    public static final int DEFAULT_PORT = 8080;
    public static final String DEFAULT_CONTROL_ROOM = "control-room";

    public ConsoleSettings {
        Objects.requireNonNull(bindHost, "bindHost");
        Objects.requireNonNull(controlRoom, "controlRoom");
        Objects.requireNonNull(sessionLifetime, "sessionLifetime");
        Objects.requireNonNull(heartbeat, "heartbeat");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("console port must be 0..65535: " + port);
        }
        if (trendPoints < 2 || maxSensors < 1) {
            throw new IllegalArgumentException("trendPoints >= 2 and maxSensors >= 1 required");
        }
        siteNames = Map.copyOf(siteNames);
    }

    public static ConsoleSettings defaults() {
        return new ConsoleSettings("0.0.0.0", DEFAULT_PORT, DEFAULT_CONTROL_ROOM, Duration.ofHours(24),
                Duration.ofSeconds(5), 60, 20_000, Map.of());
    }

    public ConsoleSettings withBind(String bindHost, int port) {
        return new ConsoleSettings(bindHost, port, controlRoom, sessionLifetime, heartbeat, trendPoints, maxSensors,
                siteNames);
    }

    public ConsoleSettings withSiteNames(Map<String, String> siteNames) {
        return new ConsoleSettings(bindHost, port, controlRoom, sessionLifetime, heartbeat, trendPoints, maxSensors,
                siteNames);
    }

    public ConsoleSettings withControlRoom(String controlRoom) {
        return new ConsoleSettings(bindHost, port, controlRoom, sessionLifetime, heartbeat, trendPoints, maxSensors,
                siteNames);
    }

    public ConsoleSettings withHeartbeat(Duration heartbeat) {
        return new ConsoleSettings(bindHost, port, controlRoom, sessionLifetime, heartbeat, trendPoints, maxSensors,
                siteNames);
    }

    public ConsoleSettings withLiveViewBounds(int trendPoints, int maxSensors) {
        return new ConsoleSettings(bindHost, port, controlRoom, sessionLifetime, heartbeat, trendPoints, maxSensors,
                siteNames);
    }

    /** The display name of a site. */
    String siteName(String siteId) {
        return siteNames.getOrDefault(siteId, siteId);
    }
}
