package io.tocsin.jobs.registry;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tocsin.rules.Severity;
import io.tocsin.rules.config.DurationText;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A site registry file's text, as the job ships it to its tasks (the parsed registry is not Serializable).
 * Validated when created, so a bad file stops the start with file, line, key and the fix. The format:
 *
 * <pre>
 * version: "2026-11-29.1"          # zone alarms carry it as their rule-set version
 * sites:
 *   chem-park-1:
 *     name: Chemical park 1
 *     risk: MAJOR                   # LOW | MEDIUM | HIGH | MAJOR
 *     stations: [station-07]        # cover the site: every alarm goes to each
 *     escalateTo: [station-09]      # next responsible stations, in order
 *     contacts: ["Li Wei, safety officer, +86 10 0000 0000"]
 *     zones:
 *       tank-farm-a:
 *         sensors: [gas-01, gas-02, gas-03]
 *         vote: 2                   # k of n
 *         severity: RED
 *         faultVotesAlarm: true     # default true: a broken detector must not prevent confirmation
 *         onDelay: 0s               # 500ms, 30s, 10m, 8h
 *         offDelay: 0s
 * </pre>
 *
 * In production the same entries arrive on the compacted registry topic ({@link RegistryCodec}); the file is the
 * start-up content of the standalone platform.
 */
public record RegistryFileText(String name, String yaml) implements Serializable {

    // Lists, not sets: error messages show the keys in this order.
    private static final List<String> TOP_KEYS = List.of("version", "sites");
    private static final List<String> SITE_KEYS = List.of("name", "risk", "stations", "escalateTo", "contacts",
            "zones");
    private static final List<String> ZONE_KEYS = List.of("sensors", "vote", "severity", "faultVotesAlarm",
            "onDelay", "offDelay");
    private static final List<String> RISK_LEVELS = List.of("LOW", "MEDIUM", "HIGH", "MAJOR");

    public RegistryFileText {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(yaml, "yaml");
        parse(name, yaml);
    }

    public static RegistryFileText of(Path path) {
        try {
            return new RegistryFileText(path.toString(), Files.readString(path, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read site registry file " + path, e);
        }
    }

    /** The registry of the demo's sites, shipped in this jar. */
    public static final String DEMO_RESOURCE = "registry/demo-sites.yaml";

    public static RegistryFileText shippedDemo() {
        try (var in = RegistryFileText.class.getClassLoader().getResourceAsStream(DEMO_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(DEMO_RESOURCE + " is missing from the classpath");
            }
            return new RegistryFileText(DEMO_RESOURCE, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** No sites: alarms go to the control room only, and there are no zones. */
    public static RegistryFileText empty() {
        return new RegistryFileText("(no site registry)", "sites: {}\n");
    }

    public SiteRegistry load() {
        return new SiteRegistry(parse(name, yaml));
    }

    /** The file's sites as registry-topic records, e.g. to seed the compacted topic. */
    public List<RegistryEntry> toRecords() {
        return parse(name, yaml).stream().map(RegistryCodec::siteRecord).toList();
    }

    @Override
    public String toString() {
        return "RegistryFileText[" + name + ", " + yaml.length() + " chars]";
    }

    // ---- parsing -------------------------------------------------------------------------------------------

    /** A YAML node with the line it starts on. */
    private record Node(Object value, int line) {
    }

    private static List<SiteEntry> parse(String file, String yaml) {
        List<String> problems = new ArrayList<>();
        Node root;
        try (JsonParser p = new YAMLFactory().createParser(yaml)) {
            root = p.nextToken() == null ? new Node(new LinkedHashMap<String, Node>(), 1) : read(p);
        } catch (IOException e) {
            throw new RegistryFileException(file, List.of(file + ": not valid YAML: " + e.getMessage()));
        }
        List<SiteEntry> sites = new ArrayList<>();
        Map<String, Node> top = mapping(file, root, "(top)", TOP_KEYS, problems);
        String version = top.containsKey("version") ? scalar(file, top.get("version"), "version", problems) : "";
        Map<String, Node> siteNodes = top.containsKey("sites")
                ? mapping(file, top.get("sites"), "sites", null, problems) : Map.of();
        siteNodes.forEach((siteId, siteNode) -> {
            String key = "sites." + siteId;
            Map<String, Node> s = mapping(file, siteNode, key, SITE_KEYS, problems);
            String risk = s.containsKey("risk")
                    ? scalar(file, s.get("risk"), key + ".risk", problems).toUpperCase(Locale.ROOT) : "UNSPECIFIED";
            if (s.containsKey("risk") && !RISK_LEVELS.contains(risk)) {
                problems.add(at(file, s.get("risk"), key + ".risk", "'" + risk + "' is not a risk level; valid: "
                        + "LOW, MEDIUM, HIGH, MAJOR"));
            }
            List<String> stations = strings(file, s.get("stations"), key + ".stations", problems);
            if (stations.isEmpty()) {
                problems.add(at(file, siteNode, key + ".stations", "missing or empty; valid: the ids of the "
                        + "stations covering the site, e.g. [station-07]"));
            }
            List<ZoneEntry> zones = new ArrayList<>();
            Map<String, Node> zoneNodes = s.containsKey("zones")
                    ? mapping(file, s.get("zones"), key + ".zones", null, problems) : Map.of();
            zoneNodes.forEach((zoneId, zoneNode) -> {
                ZoneEntry zone = zone(file, zoneId, zoneNode, key + ".zones." + zoneId, problems);
                if (zone != null) {
                    zones.add(zone);
                }
            });
            String name = s.containsKey("name") ? scalar(file, s.get("name"), key + ".name", problems) : "";
            sites.add(new SiteEntry(siteId, name, risk, stations,
                    strings(file, s.get("escalateTo"), key + ".escalateTo", problems), zones,
                    strings(file, s.get("contacts"), key + ".contacts", problems), version));
        });
        if (!problems.isEmpty()) {
            throw new RegistryFileException(file, problems);
        }
        return sites;
    }

    private static ZoneEntry zone(String file, String zoneId, Node node, String key, List<String> problems) {
        Map<String, Node> z = mapping(file, node, key, ZONE_KEYS, problems);
        List<String> sensors = strings(file, z.get("sensors"), key + ".sensors", problems);
        if (sensors.isEmpty()) {
            problems.add(at(file, node, key + ".sensors", "missing or empty; valid: the zone's detectors, e.g. "
                    + "[gas-01, gas-02, gas-03]"));
            return null;
        }
        int vote = 1;
        if (!z.containsKey("vote")) {
            problems.add(at(file, node, key + ".vote", "missing; valid: how many of the " + sensors.size()
                    + " sensors must be in alarm to confirm the zone alarm, e.g. 2"));
            return null;
        }
        String v = scalar(file, z.get("vote"), key + ".vote", problems);
        try {
            vote = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            vote = -1;
        }
        if (vote < 1 || vote > sensors.size()) {
            problems.add(at(file, z.get("vote"), key + ".vote", "'" + v + "'; valid: 1 to " + sensors.size()));
            return null;
        }
        Severity severity = Severity.RED;
        if (z.containsKey("severity")) {
            String text = scalar(file, z.get("severity"), key + ".severity", problems);
            try {
                severity = Severity.valueOf(text.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.add(at(file, z.get("severity"), key + ".severity", "'" + text
                        + "'; valid: RED, ORANGE, YELLOW, BLUE"));
            }
        }
        boolean faultVotes = !z.containsKey("faultVotesAlarm")
                || Boolean.parseBoolean(scalar(file, z.get("faultVotesAlarm"), key + ".faultVotesAlarm", problems));
        return new ZoneEntry(zoneId, sensors, vote, severity, faultVotes,
                duration(file, z.get("onDelay"), key + ".onDelay", problems),
                duration(file, z.get("offDelay"), key + ".offDelay", problems));
    }

    private static long duration(String file, Node node, String key, List<String> problems) {
        if (node == null) {
            return 0;
        }
        String text = scalar(file, node, key, problems);
        try {
            return DurationText.millis(text);
        } catch (IllegalArgumentException e) {
            problems.add(at(file, node, key, "'" + text + "' " + e.getMessage() + "; valid: "
                    + DurationText.EXAMPLES));
            return 0;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Node> mapping(String file, Node node, String key, List<String> validKeys,
            List<String> problems) {
        if (!(node.value() instanceof Map)) {
            problems.add(at(file, node, key, "must be a mapping" + (validKeys == null ? "" : "; valid keys: "
                    + validKeys)));
            return Map.of();
        }
        Map<String, Node> map = (Map<String, Node>) node.value();
        if (validKeys != null) {
            map.forEach((k, v) -> {
                if (!validKeys.contains(k)) {
                    problems.add(at(file, v, key + "." + k, "unknown key; valid keys: " + validKeys));
                }
            });
        }
        return map;
    }

    private static String scalar(String file, Node node, String key, List<String> problems) {
        if (node.value() instanceof String s) {
            return s;
        }
        problems.add(at(file, node, key, "must be a single value"));
        return "";
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(String file, Node node, String key, List<String> problems) {
        if (node == null) {
            return List.of();
        }
        if (!(node.value() instanceof List)) {
            problems.add(at(file, node, key, "must be a list, e.g. [a, b]"));
            return List.of();
        }
        List<String> result = new ArrayList<>();
        for (Node item : (List<Node>) node.value()) {
            result.add(scalar(file, item, key, problems));
        }
        return result;
    }

    private static String at(String file, Node node, String key, String problem) {
        return file + ":" + node.line() + ": " + key + ": " + problem;
    }

    private static Node read(JsonParser p) throws IOException {
        int line = p.currentTokenLocation().getLineNr();
        JsonToken token = p.currentToken();
        if (token == JsonToken.START_OBJECT) {
            Map<String, Node> map = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                int keyLine = p.currentTokenLocation().getLineNr();
                p.nextToken();
                Node value = read(p);
                if (map.put(key, value) != null) {
                    throw new IOException("line " + keyLine + ": key '" + key + "' appears twice");
                }
            }
            return new Node(map, line);
        }
        if (token == JsonToken.START_ARRAY) {
            List<Node> items = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                items.add(read(p));
            }
            return new Node(items, line);
        }
        return new Node(token == JsonToken.VALUE_NULL ? "" : p.getText(), line);
    }
}
