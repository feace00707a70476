package io.tocsin.standalone.demo.city;

import io.tocsin.jobs.alarms.RuleFileText;
import io.tocsin.jobs.registry.RegistryFileText;
import io.tocsin.standalone.demo.city.CitySite.Gateway;
import io.tocsin.standalone.demo.city.CitySite.Kind;
import io.tocsin.standalone.demo.city.CitySite.RiskColour;
import io.tocsin.standalone.demo.city.CitySite.Zone;
import io.tocsin.standalone.demo.city.SimulatedPoint.Ramp;
import io.tocsin.standalone.demo.city.SimulatedPoint.Step;
import io.tocsin.standalone.demo.city.SimulatedPoint.Swing;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The generated city: every site with its risk colour, covering stations, zones and gateways, the registry the
 * alarm job reads for it, and the scripted incidents of the run. Generated from a {@link CityProfile} and a
 * seed, so the same arguments always give the same city.
 *
 * <p>Ids: parks {@code chem-park-1..7} with fire stations {@code station-park-1..7}; enterprises
 * {@code enterprise-001..}; communities {@code community-001..} with micro fire stations
 * {@code station-micro-001..}. Each site has one gateway {@code gw-1} carrying all its points (a real site's
 * gateway reads its fire panel and gas controller over serial/Modbus and batches everything on one uplink).
 */
public final class CityPlan {

    /** The city's rule file (shipped in this jar): the default rules plus smoke detectors. */
    public static final String RULES_RESOURCE = "city/city-rules.yaml";

    public static final long GAS_INTERVAL_MS = 1_000;
    public static final long PLC_INTERVAL_MS = 1_000;
    public static final long HEAT_INTERVAL_MS = 10_000;

    private final CityProfile profile;
    private final List<CitySite> sites;
    private final List<Incident> incidents;

    /**
     * A scripted incident and the alarm it must produce.
     *
     * @param atMs          when it starts, ms after the fleet started
     * @param alarmIdPrefix the alarm it must raise: {@code site/sensor-or-zone/rule/} (the activation follows)
     */
    public record Incident(String name, String siteId, long atMs, String alarmIdPrefix, String description) {
    }

    private CityPlan(CityProfile profile, List<CitySite> sites, List<Incident> incidents) {
        this.profile = profile;
        this.sites = List.copyOf(sites);
        this.incidents = List.copyOf(incidents);
    }

    /** Generates the city; the first scripted incident starts {@code incidentsAfter}, the others 15 s apart. */
    public static CityPlan generate(CityProfile profile, long seed, Duration incidentsAfter) {
        return generate(profile, seed, incidentsAfter, Duration.ofSeconds(15));
    }

    /**
     * Generates the city.
     *
     * @param incidentsAfter  when the first scripted incident starts, after the fleet started
     * @param incidentSpacing time between the starts of two incidents
     */
    public static CityPlan generate(CityProfile profile, long seed, Duration incidentsAfter,
                                    Duration incidentSpacing) {
        SplittableRandom random = new SplittableRandom(seed);
        List<CitySite> sites = new ArrayList<>();
        List<String> parkStations = new ArrayList<>();
        List<String> microStations = new ArrayList<>();
        for (int p = 1; p <= profile.chemicalParks(); p++) {
            parkStations.add("station-park-" + p);
        }
        for (int c = 1; c <= profile.communities(); c++) {
            microStations.add(String.format("station-micro-%03d", c));
        }
        for (int p = 1; p <= profile.chemicalParks(); p++) {
            sites.add(park(p, parkStations, microStations, random));
        }
        for (int e = 1; e <= profile.enterprises(); e++) {
            sites.add(enterprise(e, profile, parkStations, microStations, random));
        }
        int smokeLeft = profile.communitySmokeDetectors();
        for (int c = 1; c <= profile.communities(); c++) {
            int smoke = smokeLeft / (profile.communities() - c + 1);
            smokeLeft -= smoke;
            sites.add(community(c, smoke, parkStations, microStations, random));
        }
        List<Incident> incidents = new ArrayList<>();
        scriptIncidents(sites, incidents, incidentsAfter.toMillis(), incidentSpacing.toMillis());
        return new CityPlan(profile, sites, incidents);
    }

    // ---- sites ----------------------------------------------------------------------------------------------

    private static CitySite park(int p, List<String> parkStations, List<String> microStations,
                                 SplittableRandom random) {
        List<SimulatedPoint> points = new ArrayList<>();
        List<Zone> zones = new ArrayList<>();
        // Eight tank farms and process units, three catalytic heads each, confirmed two out of three.
        for (int z = 1; z <= 8; z++) {
            List<String> ids = new ArrayList<>();
            for (int h = 1; h <= 3; h++) {
                String id = String.format("gas-%02d", (z - 1) * 3 + h);
                ids.add(id);
                points.add(gas(id, random));
            }
            zones.add(new Zone((z <= 4 ? "tank-farm-" : "process-unit-") + (z <= 4 ? z : z - 4), ids, 2, "RED"));
        }
        heatAndSmoke(points, 10, CityProfile.PARK_SMOKE, random);
        plc(points, 40, random);
        String own = parkStations.get(p - 1);
        String next = parkStations.get(p % parkStations.size());
        return new CitySite("chem-park-" + p, Kind.CHEMICAL_PARK, "Chemical park " + p, RiskColour.RED,
                List.of(own), distinct(next, microStations.get(random.nextInt(microStations.size()))),
                zones, List.of(new Gateway("gw-1", points, Optional.empty())));
    }

    private static CitySite enterprise(int e, CityProfile profile, List<String> parkStations,
                                       List<String> microStations, SplittableRandom random) {
        // One in ten red, a quarter orange, a third yellow, the rest blue.
        double r = random.nextDouble();
        RiskColour risk = r < 0.10 ? RiskColour.RED : r < 0.35 ? RiskColour.ORANGE : r < 0.70 ? RiskColour.YELLOW
                : RiskColour.BLUE;
        int gasZones = switch (risk) {
            case RED -> 3;
            case ORANGE -> 2;
            case YELLOW -> 1;
            case BLUE -> 0;
        };
        List<SimulatedPoint> points = new ArrayList<>();
        List<Zone> zones = new ArrayList<>();
        for (int z = 1; z <= gasZones; z++) {
            List<String> ids = new ArrayList<>();
            for (int h = 1; h <= 3; h++) {
                String id = String.format("gas-%02d", (z - 1) * 3 + h);
                ids.add(id);
                points.add(gas(id, random));
            }
            zones.add(new Zone("unit-" + z, ids, 2, "RED"));
        }
        if (gasZones == 0) {
            // Blue sites: two heads at the boiler room and the store, each alarming alone.
            points.add(gas("gas-01", random));
            points.add(gas("gas-02", random));
        }
        heatAndSmoke(points, 2, CityProfile.ENTERPRISE_SMOKE, random);
        plc(points, 4, random);
        String micro = microStations.get(random.nextInt(microStations.size()));
        List<String> stations;
        List<String> escalate;
        if (e <= profile.enterprisesInParks()) {
            String park = parkStations.get((e - 1) % parkStations.size());
            stations = List.of(park);
            escalate = distinct(micro, parkStations.get(e % parkStations.size()));
        } else if (risk == RiskColour.RED || risk == RiskColour.ORANGE) {
            // Higher risk: the nearest micro station and a park's station both turn out.
            stations = distinct(micro, parkStations.get(random.nextInt(parkStations.size())));
            escalate = List.of(microStations.get(random.nextInt(microStations.size())));
        } else {
            stations = List.of(micro);
            escalate = List.of(parkStations.get(random.nextInt(parkStations.size())));
        }
        return new CitySite(String.format("enterprise-%03d", e), Kind.ENTERPRISE, "Enterprise " + e, risk, stations,
                escalate, zones, List.of(new Gateway("gw-1", points, Optional.empty())));
    }

    private static CitySite community(int c, int smoke, List<String> parkStations, List<String> microStations,
                                      SplittableRandom random) {
        List<SimulatedPoint> points = new ArrayList<>();
        heatAndSmoke(points, 2, smoke, random);
        RiskColour risk = random.nextDouble() < 0.3 ? RiskColour.YELLOW : RiskColour.BLUE;
        String own = microStations.get(c - 1);
        String neighbour = microStations.get(c % microStations.size());
        return new CitySite(String.format("community-%03d", c), Kind.COMMUNITY, "Community " + c, risk,
                List.of(own), distinct(neighbour, parkStations.get(random.nextInt(parkStations.size()))),
                List.of(), List.of(new Gateway("gw-1", points, Optional.empty())));
    }

    private static SimulatedPoint gas(String id, SplittableRandom random) {
        return new SimulatedPoint(id, SimulatedPoint.Kind.GAS, GAS_INTERVAL_MS, random.nextDouble() * 2, 0.5,
                List.of());
    }

    private static void heatAndSmoke(List<SimulatedPoint> points, int heat, int smoke, SplittableRandom random) {
        for (int h = 1; h <= heat; h++) {
            points.add(new SimulatedPoint(String.format("heat-%02d", h), SimulatedPoint.Kind.HEAT, HEAT_INTERVAL_MS,
                    18 + random.nextDouble() * 8, 0.3, List.of()));
        }
        for (int s = 1; s <= smoke; s++) {
            // Heartbeats of 10 to 60 s, in steps of 10 s, as fire panels are configured.
            long heartbeat = 10_000L * (1 + random.nextInt(6));
            points.add(new SimulatedPoint(String.format("smoke-%03d", s), SimulatedPoint.Kind.SMOKE, heartbeat, 0, 0,
                    List.of()));
        }
    }

    private static void plc(List<SimulatedPoint> points, int count, SplittableRandom random) {
        for (int i = 1; i <= count; i++) {
            points.add(new SimulatedPoint(String.format("plc-%02d", i), SimulatedPoint.Kind.PLC, PLC_INTERVAL_MS,
                    2 + random.nextDouble() * 10, 0.05, List.of()));
        }
    }

    private static List<String> distinct(String a, String b) {
        return a.equals(b) ? List.of(a) : List.of(a, b);
    }

    // ---- incidents ------------------------------------------------------------------------------------------

    /**
     * The run's story, starting at {@code t0} and {@code step} apart: a sensor starts flapping, a gas leak is
     * confirmed 2oo3 in chemical park 1, a fire grows in a community (rate of rise, then smoke), and an
     * enterprise's gateway drops off the network for two minutes.
     */
    private static void scriptIncidents(List<CitySite> sites, List<Incident> incidents, long t0, long step) {
        CitySite park = find(sites, Kind.CHEMICAL_PARK, 0);
        CitySite flappy = find(sites, Kind.ENTERPRISE, 0);
        CitySite community = find(sites, Kind.COMMUNITY, Math.min(16, count(sites, Kind.COMMUNITY) - 1));
        CitySite offline = find(sites, Kind.ENTERPRISE, count(sites, Kind.ENTERPRISE) / 3);

        long flapAt = t0;
        script(sites, flappy, "gas-01", new Swing(flapAt, flapAt + 180_000, 18, 32, 6_000));
        incidents.add(new Incident("flapping sensor", flappy.siteId(), flapAt,
                flappy.siteId() + "/gas-01/gas-high-1/", "gas-01 swings between 18 and 32 %LEL every 3 s for "
                + "3 minutes: the first-level alarm is raised at each crossing until the rule sees 6 changes in "
                + "10 minutes, then its events are marked flapping"));

        long leakAt = t0 + step;
        Zone tankFarm = park.zones().get(0);
        // The nearest head crosses 25 %LEL after 6 s, the second 11 s after the leak started: zone confirmed.
        script(sites, park, tankFarm.sensors().get(0), new Ramp(leakAt, 1, 4.0, 45, 60_000));
        script(sites, park, tankFarm.sensors().get(1), new Ramp(leakAt + 3_000, 1, 3.0, 35, 60_000));
        incidents.add(new Incident("gas leak", park.siteId(), leakAt,
                park.siteId() + "/" + tankFarm.zoneId() + "/zone-vote/", "a leak at " + tankFarm.zoneId()
                + ": " + tankFarm.sensors().get(0) + " then " + tankFarm.sensors().get(1)
                + " cross 25 %LEL, confirming the zone 2oo3"));

        long fireAt = t0 + 2 * step;
        // A kitchen fire: the heat detector rises 20 K/min, smoke detectors nearby trip a minute later.
        script(sites, community, "heat-01", new Ramp(fireAt, 22, 20.0 / 60, 90, 120_000));
        for (int s = 1; s <= 3; s++) {
            script(sites, community, String.format("smoke-%03d", s), new Step(fireAt + 45_000 + s * 10_000L, 1,
                    180_000));
        }
        incidents.add(new Incident("rate-of-rise fire", community.siteId(), fireAt,
                community.siteId() + "/heat-01/heat-a1-ror/", "heat-01 rises 20 K/min (rate of rise), then "
                + "smoke-001..003 trip"));

        long dropAt = t0 + 3 * step;
        replaceGateway(sites, offline, g -> new Gateway(g.deviceId(), g.points(),
                Optional.of(new long[] {dropAt, dropAt + 120_000})));
        incidents.add(new Incident("gateway offline", offline.siteId(), dropAt,
                offline.siteId() + "/" + firstPoint(offline, SimulatedPoint.Kind.GAS) + "/gas-silent/",
                "gw-1 loses its uplink for 2 minutes: its gas heads go silent (stale after 60 s), its buffer "
                + "replays when it is back"));
    }

    private static String firstPoint(CitySite site, SimulatedPoint.Kind kind) {
        return site.gateways().get(0).points().stream().filter(p -> p.kind() == kind).findFirst()
                .orElseThrow().sensorId();
    }

    private static CitySite find(List<CitySite> sites, Kind kind, int index) {
        return sites.stream().filter(s -> s.kind() == kind).skip(index).findFirst().orElseThrow();
    }

    private static int count(List<CitySite> sites, Kind kind) {
        return (int) sites.stream().filter(s -> s.kind() == kind).count();
    }

    private static void script(List<CitySite> sites, CitySite site, String sensorId, SimulatedPoint.Script script) {
        replaceGateway(sites, site, g -> new Gateway(g.deviceId(), g.points().stream()
                .map(p -> p.sensorId().equals(sensorId) ? p.withScript(script) : p).toList(), g.offline()));
    }

    private static void replaceGateway(List<CitySite> sites, CitySite site,
                                       java.util.function.UnaryOperator<Gateway> change) {
        int i = indexOf(sites, site.siteId());
        CitySite now = sites.get(i);
        sites.set(i, new CitySite(now.siteId(), now.kind(), now.name(), now.risk(), now.stations(), now.escalateTo(),
                now.zones(), now.gateways().stream().map(change).toList()));
    }

    private static int indexOf(List<CitySite> sites, String siteId) {
        for (int i = 0; i < sites.size(); i++) {
            if (sites.get(i).siteId().equals(siteId)) {
                return i;
            }
        }
        throw new IllegalArgumentException(siteId);
    }

    // ---- what the platform reads ----------------------------------------------------------------------------

    /** The site registry of the city, in the registry file format the alarm job validates and reads. */
    public RegistryFileText registry() {
        StringBuilder y = new StringBuilder(256 * sites.size());
        y.append("# Generated by io.tocsin.standalone.demo.city.CityPlan: ").append(profile).append('\n');
        y.append("version: \"city-").append(sites.size()).append("-sites\"\n");
        y.append("sites:\n");
        for (CitySite site : sites) {
            y.append("  ").append(site.siteId()).append(":\n");
            y.append("    name: \"").append(site.name()).append(" (").append(site.risk().label())
                    .append(")\"\n");
            y.append("    risk: ").append(site.risk().registryRisk()).append('\n');
            y.append("    stations: ").append(site.stations()).append('\n');
            y.append("    escalateTo: ").append(site.escalateTo()).append('\n');
            if (!site.zones().isEmpty()) {
                y.append("    zones:\n");
                for (Zone zone : site.zones()) {
                    y.append("      ").append(zone.zoneId()).append(":\n");
                    y.append("        sensors: ").append(zone.sensors()).append('\n');
                    y.append("        vote: ").append(zone.vote()).append('\n');
                    y.append("        severity: ").append(zone.severity()).append('\n');
                }
            }
        }
        return new RegistryFileText("generated city registry (" + sites.size() + " sites)", y.toString());
    }

    /** The city's rule file: the shipped default rules plus smoke detectors ({@value #RULES_RESOURCE}). */
    public static RuleFileText rules() {
        try (InputStream in = CityPlan.class.getClassLoader().getResourceAsStream(RULES_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RULES_RESOURCE + " is missing from the classpath");
            }
            return new RuleFileText(RULES_RESOURCE, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public CityProfile profile() {
        return profile;
    }

    public List<CitySite> sites() {
        return sites;
    }

    public List<Incident> incidents() {
        return incidents;
    }

    public int gateways() {
        return sites.stream().mapToInt(s -> s.gateways().size()).sum();
    }

    /** Readings a second the fleet sends when nothing happens (heartbeats and periodic values). */
    public double quietReadingsPerSecond() {
        return sites.stream().flatMap(s -> s.gateways().stream()).mapToDouble(Gateway::readingsPerSecond).sum();
    }

    public long points(SimulatedPoint.Kind kind) {
        return sites.stream().mapToLong(s -> s.points(kind)).sum();
    }
}
