package io.tocsin.proto;

import java.util.Optional;

/**
 * The MQTT topic scheme shared by edge agents, the ingest server and station consoles.
 *
 * <pre>
 * tocsin/v1/telemetry/{siteId}/{deviceId}   edge agent -> platform, payload: TelemetryBatch
 * tocsin/v1/alarms/{siteId}                 platform -> stations,   payload: AlarmEvent
 * tocsin/v1/stations/{stationId}/alarms     platform -> one station, payload: AlarmEvent
 * </pre>
 *
 * Every alarm event is published on its site's topic and on the topic of each station it is routed to (the
 * stations covering the site, or, for an escalation, the next responsible station and the control room: the
 * event's {@code station_ids}). A console subscribes to one of the two schemes, not both, or it gets each event
 * twice. Only the platform publishes under either prefix ({@link #isPlatformOnly}). A new subscription to either
 * gets first, flagged RETAIN, the latest event of every alarm on the topic that is not back to NORMAL, and the NORMAL
 * event of every alarm that ended in the last 24 hours.
 *
 * Site, device and station ids are single topic levels: non-empty, without '/', '+' or '#'.
 */
public final class MqttTopics {

    public static final String TELEMETRY_PREFIX = "tocsin/v1/telemetry/";
    public static final String ALARMS_PREFIX = "tocsin/v1/alarms/";
    /** Filter a station console subscribes to for the alarms of every site. */
    public static final String ALL_ALARMS = ALARMS_PREFIX + "#";
    public static final String STATIONS_PREFIX = "tocsin/v1/stations/";
    /** The last level of a station's alarm topic. */
    public static final String STATION_ALARMS_LEVEL = "alarms";

    private MqttTopics() {
    }

    /** Where a device publishes its telemetry. */
    public static String telemetry(String siteId, String deviceId) {
        return TELEMETRY_PREFIX + requireLevel("siteId", siteId) + "/" + requireLevel("deviceId", deviceId);
    }

    /** Where the alarms of one site are delivered. */
    public static String alarms(String siteId) {
        return ALARMS_PREFIX + requireLevel("siteId", siteId);
    }

    /**
     * Where the alarms routed to one station are delivered: the station's own inbox, whichever sites it covers and
     * including escalations from neighbours.
     */
    public static String stationAlarms(String stationId) {
        return STATIONS_PREFIX + requireLevel("stationId", stationId) + "/" + STATION_ALARMS_LEVEL;
    }

    /** Whether only the platform may publish on a topic: the site alarm topics and everything under the stations. */
    public static boolean isPlatformOnly(String topic) {
        return topic.startsWith(ALARMS_PREFIX) || topic.startsWith(STATIONS_PREFIX);
    }

    /** Whether a topic is in the telemetry part of the scheme (well formed or not). */
    public static boolean isTelemetry(String topic) {
        return topic.startsWith(TELEMETRY_PREFIX);
    }

    /** The site and device a telemetry topic names, or empty if the topic does not follow the scheme. */
    public static Optional<DeviceAddress> parseTelemetry(String topic) {
        if (!isTelemetry(topic)) {
            return Optional.empty();
        }
        String[] levels = topic.substring(TELEMETRY_PREFIX.length()).split("/", -1);
        if (levels.length != 2 || !isLevel(levels[0]) || !isLevel(levels[1])) {
            return Optional.empty();
        }
        return Optional.of(new DeviceAddress(levels[0], levels[1]));
    }

    /** Whether a string can stand as one id level in a topic. */
    public static boolean isLevel(String id) {
        return id != null && !id.isEmpty()
                && id.indexOf('/') < 0 && id.indexOf('+') < 0 && id.indexOf('#') < 0;
    }

    private static String requireLevel(String name, String id) {
        if (!isLevel(id)) {
            throw new IllegalArgumentException(name + " must be non-empty without '/', '+' or '#': " + id);
        }
        return id;
    }

    /** A device of a site, as named by its telemetry topic. */
    public record DeviceAddress(String siteId, String deviceId) {
    }
}
