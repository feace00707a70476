package io.tocsin.ingest.auth;

import io.tocsin.proto.MqttTopics.DeviceAddress;

import java.util.Objects;
import java.util.Set;

/**
 * Who a connected client is, and so what the topic ACL lets it do.
 *
 * <ul>
 *   <li>a <b>device</b> (a site gateway) may publish telemetry only on {@code tocsin/v1/telemetry/{its site}/{its
 *       device}} and may not subscribe to alarms;</li>
 *   <li>a <b>station</b> (a fire station console, siren, display) may subscribe to the alarms of the sites it
 *       covers, {@code tocsin/v1/alarms/{site}}, one site per filter, and to its own station topic
 *       {@code tocsin/v1/stations/{its name}/alarms} (never another station's), and may not publish telemetry. A
 *       station's user name is its station id, as in the site registry's {@code stations} lists;</li>
 *   <li>{@link #unrestricted()} is everyone when no credential registry is configured (development, demo).</li>
 * </ul>
 * Topics outside the telemetry and alarm schemes are plain publish/subscribe for every identity.
 *
 * @param name     the user name (also DTLS PSK identity and TLS certificate CN)
 * @param kind     device, station or unrestricted
 * @param site     a device's site; null otherwise
 * @param device   a device's device id (its telemetry topic level); null otherwise
 * @param sites    a station's sites; empty otherwise
 */
public record Identity(String name, Kind kind, String site, String device, Set<String> sites) {

    public enum Kind { DEVICE, STATION, UNRESTRICTED }

    private static final Identity UNRESTRICTED = new Identity("anyone", Kind.UNRESTRICTED, null, null, Set.of());

    public Identity {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        sites = Set.copyOf(sites);
    }

    public static Identity device(String name, String site, String device) {
        return new Identity(name, Kind.DEVICE, site, device, Set.of());
    }

    public static Identity station(String name, Set<String> sites) {
        return new Identity(name, Kind.STATION, null, null, sites);
    }

    /** Everyone, when there is no credential registry. */
    public static Identity unrestricted() {
        return UNRESTRICTED;
    }

    /** Whether this identity may publish telemetry for that site and device. */
    public boolean mayPublishTelemetry(DeviceAddress address) {
        return switch (kind) {
            case UNRESTRICTED -> true;
            case DEVICE -> site.equals(address.siteId()) && device.equals(address.deviceId());
            case STATION -> false;
        };
    }

    /** Whether this identity may receive the alarms of a site. */
    public boolean mayReceiveAlarms(String siteId) {
        return switch (kind) {
            case UNRESTRICTED -> true;
            case STATION -> sites.contains(siteId);
            case DEVICE -> false;
        };
    }

    /** Whether this identity may receive what is published on a station's topic: its own only. */
    public boolean mayReceiveStationAlarms(String stationId) {
        return switch (kind) {
            case UNRESTRICTED -> true;
            case STATION -> name.equals(stationId);
            case DEVICE -> false;
        };
    }

    /** As {@link #maySubscribe(Set, Set)} for a filter that matches no station topic. */
    public boolean maySubscribe(Set<String> alarmSites) {
        return maySubscribe(alarmSites, Set.of());
    }

    /**
     * Whether this identity may subscribe to a filter, given which alarm topics the filter can match.
     *
     * @param alarmSites    the sites whose alarm topic the filter matches: empty for none, null for "any site"
     *                      (e.g. "#" or "tocsin/v1/alarms/+": a station would see every site's alarms)
     * @param stationTopics the stations whose topic ({@code tocsin/v1/stations/{id}/alarms}) the filter matches:
     *                      empty for none, null for "any station" (e.g. "tocsin/v1/stations/+/alarms")
     */
    public boolean maySubscribe(Set<String> alarmSites, Set<String> stationTopics) {
        if (kind == Kind.UNRESTRICTED) {
            return true;
        }
        if (alarmSites == null || stationTopics == null) {
            return false;
        }
        return alarmSites.stream().allMatch(this::mayReceiveAlarms)
                && stationTopics.stream().allMatch(this::mayReceiveStationAlarms);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case UNRESTRICTED -> "anyone";
            case DEVICE -> "device " + name + " (site " + site + ", device " + device + ")";
            case STATION -> "station " + name + " (sites " + sites + ")";
        };
    }
}
