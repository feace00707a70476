package io.tocsin.standalone.demo.city;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One site of the generated city: what the registry says about it (risk, covering stations, zones) and the
 * gateways on it with their points.
 */
public record CitySite(String siteId, Kind kind, String name, RiskColour risk, List<String> stations,
                       List<String> escalateTo, List<Zone> zones, List<Gateway> gateways) {

    public enum Kind { CHEMICAL_PARK, ENTERPRISE, COMMUNITY }

    /**
     * The four-colour risk grading of the dual prevention mechanism (red = major ... blue = low), as the seed
     * report asks every enterprise to map its risks; the registry's risk levels are the same four steps.
     */
    public enum RiskColour {
        RED("MAJOR"), ORANGE("HIGH"), YELLOW("MEDIUM"), BLUE("LOW");

        private final String registryRisk;

        RiskColour(String registryRisk) {
            this.registryRisk = registryRisk;
        }

        /** The registry's risk level (LOW, MEDIUM, HIGH, MAJOR) for this colour. */
        public String registryRisk() {
            return registryRisk;
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Detectors watching one area; {@code vote} of them in alarm confirm the zone alarm. */
    public record Zone(String zoneId, List<String> sensors, int vote, String severity) {
        public Zone {
            sensors = List.copyOf(sensors);
        }
    }

    /**
     * A gateway: one MQTT connection carrying all its points' readings in batches.
     *
     * @param offline when the gateway loses its uplink during the run, if it does (from, to: ms after start)
     */
    public record Gateway(String deviceId, List<SimulatedPoint> points, Optional<long[]> offline) {
        public Gateway {
            points = List.copyOf(points);
        }

        public double readingsPerSecond() {
            return points.stream().mapToDouble(SimulatedPoint::readingsPerSecond).sum();
        }
    }

    public CitySite {
        stations = List.copyOf(stations);
        escalateTo = List.copyOf(escalateTo);
        zones = List.copyOf(zones);
        gateways = List.copyOf(gateways);
    }

    public long points(SimulatedPoint.Kind of) {
        return gateways.stream().flatMap(g -> g.points().stream()).filter(p -> p.kind() == of).count();
    }
}
