package io.tocsin.rules.config;

import com.fasterxml.jackson.core.JsonToken;
import io.tocsin.rules.Severity;
import io.tocsin.rules.config.YamlNode.Entry;
import io.tocsin.rules.config.YamlNode.Mapping;
import io.tocsin.rules.config.YamlNode.Scalar;
import io.tocsin.rules.config.YamlNode.Sequence;
import io.tocsin.rules.lifecycle.SitePolicy;
import io.tocsin.rules.presets.Preset;
import io.tocsin.rules.presets.Presets;
import io.tocsin.rules.presets.RuleKind;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Loads and validates a YAML rule file up front: a rule set that loads is one every sensor can be given
 * rules from. Every problem is reported at once, each naming the file, the line, the key and what would be
 * valid ({@link RuleFileException}). The format is described in {@code rules/default-rules.yaml}.
 */
public final class RuleFileLoader {

    /** The sample rule file shipped with the engine (and used by the standalone demo). */
    public static final String DEFAULT_RULES_RESOURCE = "rules/default-rules.yaml";

    private static final Set<String> TOP_KEYS = orderedSet("version", "policy", "sensorTypes", "tags", "sites");
    private static final Set<String> POLICY_KEYS = orderedSet("allowShelvingRed", "maxShelve");
    private static final Set<String> TYPE_KEYS = orderedSet("match", "span", "rules");
    private static final Set<String> TAG_KEYS = orderedSet("rules");
    private static final Set<String> SITE_KEYS = orderedSet("policy", "overrides", "sensors");
    private static final Set<String> SENSOR_KEYS = orderedSet("type", "tags", "span", "overrides");
    private static final Set<String> SPAN_KEYS = orderedSet("min", "max");
    private static final Set<String> FLAPPING_KEYS = orderedSet("changes", "window");
    private static final Set<String> OVERRIDE_KEYS = orderedSet("severity", "setPoint", "reset", "deadband",
            "onDelay", "offDelay", "flapping", "risePerMinute", "resetPerMinute", "window", "minSamples",
            "maxSamples", "after", "enabled");
    private static final Set<String> RULE_KEYS;

    static {
        Set<String> keys = orderedSet("id", "kind", "preset");
        keys.addAll(OVERRIDE_KEYS);
        RULE_KEYS = keys;
    }

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private final String file;
    private final List<String> problems = new ArrayList<>();

    private RuleFileLoader(String file) {
        this.file = file;
    }

    public static RuleSet load(Path path) {
        try {
            return parse(path.toString(), Files.readString(path, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read rule file " + path, e);
        }
    }

    /** The rule file shipped in this jar: {@value #DEFAULT_RULES_RESOURCE}. */
    public static RuleSet loadDefault() {
        return parse(DEFAULT_RULES_RESOURCE, defaultRulesText());
    }

    public static String defaultRulesText() {
        try (InputStream in = RuleFileLoader.class.getClassLoader().getResourceAsStream(DEFAULT_RULES_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(DEFAULT_RULES_RESOURCE + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param file the name to use in error messages (a path, a resource name)
     * @throws RuleFileException listing every problem
     */
    public static RuleSet parse(String file, String yaml) {
        return new RuleFileLoader(file).read(yaml);
    }

    private RuleSet read(String yaml) {
        YamlNode root;
        try {
            root = YamlNode.parse(yaml);
        } catch (IOException e) {
            throw new RuleFileException(file, List.of(file + ": not valid YAML: " + e.getMessage()));
        }
        if (!(root instanceof Mapping top)) {
            throw new RuleFileException(file, List.of(at(root.line(), "(top)",
                    "the file must be a mapping; valid keys: " + TOP_KEYS)));
        }
        checkKeys(top, "", TOP_KEYS);
        String version = null;
        Entry v = top.entries().get("version");
        if (v == null) {
            problems.add(at(1, "version", "missing; valid: a version string such as \"2026-11-29.1\", "
                    + "carried by every alarm event"));
        } else {
            version = string(v.value(), "version");
        }
        SitePolicy policy = top.entries().containsKey("policy")
                ? policy(top.entries().get("policy").value(), "policy", SitePolicy.DEFAULT) : SitePolicy.DEFAULT;

        Map<String, RuleSet.SensorType> types = new LinkedHashMap<>();
        Map<String, List<RuleDefinition>> tags = new LinkedHashMap<>();
        Map<String, RuleSet.Site> sites = new LinkedHashMap<>();
        Map<String, Integer> ruleIds = new LinkedHashMap<>();
        forEachEntry(top, "sensorTypes", (name, node, key) -> {
            Mapping m = mapping(node, key, TYPE_KEYS);
            if (m == null) {
                return;
            }
            List<Pattern> match = new ArrayList<>();
            if (m.entries().containsKey("match")) {
                for (String glob : strings(m.entries().get("match").value(), key + ".match")) {
                    match.add(glob(glob));
                }
            }
            Double[] span = span(m, key);
            List<RuleDefinition> rules = rules(m, key, ruleIds);
            types.put(name, new RuleSet.SensorType(name, match, span[0], span[1], rules));
            for (RuleDefinition r : rules) {
                compileCheck(r, span[0], span[1]);
            }
        });
        forEachEntry(top, "tags", (name, node, key) -> {
            Mapping m = mapping(node, key, TAG_KEYS);
            if (m != null) {
                List<RuleDefinition> rules = rules(m, key, ruleIds);
                tags.put(name, rules);
                rules.forEach(r -> compileCheck(r, null, null));
            }
        });
        forEachEntry(top, "sites", (siteId, node, key) -> {
            checkId(siteId, node.line(), key);
            Mapping m = mapping(node, key, SITE_KEYS);
            if (m == null) {
                return;
            }
            SitePolicy sitePolicy = m.entries().containsKey("policy")
                    ? policy(m.entries().get("policy").value(), key + ".policy", policy) : null;
            Map<String, RuleDefinition> overrides = overrides(m, key, ruleIds);
            Map<String, RuleSet.SensorDeclaration> sensors = new LinkedHashMap<>();
            forEachEntry(m, key + ".sensors", "sensors", (sensorId, sNode, sKey) -> {
                checkId(sensorId, sNode.line(), sKey);
                Mapping s = mapping(sNode, sKey, SENSOR_KEYS);
                if (s == null) {
                    return;
                }
                String type = null;
                if (s.entries().containsKey("type")) {
                    Entry t = s.entries().get("type");
                    type = string(t.value(), sKey + ".type");
                    if (type != null && !types.containsKey(type)) {
                        problems.add(at(t.value().line(), sKey + ".type", "unknown sensor type '" + type
                                + "'; valid: " + types.keySet()));
                    }
                }
                List<String> sensorTags = new ArrayList<>();
                if (s.entries().containsKey("tags")) {
                    Entry t = s.entries().get("tags");
                    for (String tag : strings(t.value(), sKey + ".tags")) {
                        if (!tags.containsKey(tag)) {
                            problems.add(at(t.value().line(), sKey + ".tags", "unknown tag '" + tag + "'; valid: "
                                    + tags.keySet()));
                        }
                        sensorTags.add(tag);
                    }
                }
                Double[] span = span(s, sKey);
                sensors.put(sensorId, new RuleSet.SensorDeclaration(type, sensorTags, span[0], span[1],
                        overrides(s, sKey, ruleIds)));
            });
            sites.put(siteId, new RuleSet.Site(sitePolicy, overrides, sensors));
        });
        if (!problems.isEmpty()) {
            throw new RuleFileException(file, problems);
        }
        RuleSet set = new RuleSet(version, file, policy, types, tags, sites);
        validateCombinations(set, types, tags, sites);
        if (!problems.isEmpty()) {
            throw new RuleFileException(file, problems);
        }
        return set;
    }

    /**
     * Compiles what overrides produce: every site override with every rule of that id, every declared
     * sensor. So a set point above a preset's limit is found at load, not when the sensor first reports.
     */
    private void validateCombinations(RuleSet set, Map<String, RuleSet.SensorType> types,
            Map<String, List<RuleDefinition>> tags, Map<String, RuleSet.Site> sites) {
        List<RuleDefinition> all = new ArrayList<>();
        types.values().forEach(t -> all.addAll(t.rules()));
        tags.values().forEach(all::addAll);
        sites.forEach((siteId, site) -> site.overrides().forEach((ruleId, o) -> {
            for (RuleDefinition d : all) {
                if (d.id().equals(ruleId)) {
                    compileCheck(d.overriddenBy(o), null, null);
                }
            }
        }));
        for (String[] sensor : set.declaredSensors()) {
            try {
                set.engineFor(sensor[0], sensor[1]);
            } catch (IllegalArgumentException e) {
                problems.add(file + ": sites." + sensor[0] + ".sensors." + sensor[1] + ": " + e.getMessage());
            }
        }
    }

    private void compileCheck(RuleDefinition d, Double spanMin, Double spanMax) {
        if (d == null || d.id() == null || (d.kind() == null && d.preset() == null)) {
            return; // already reported
        }
        try {
            d.compile(spanMin == null ? Double.NEGATIVE_INFINITY : spanMin,
                    spanMax == null ? Double.POSITIVE_INFINITY : spanMax);
        } catch (IllegalArgumentException e) {
            problems.add(d.origin() + ": " + e.getMessage());
        }
    }

    private List<RuleDefinition> rules(Mapping m, String key, Map<String, Integer> ruleIds) {
        List<RuleDefinition> result = new ArrayList<>();
        Entry e = m.entries().get("rules");
        if (e == null) {
            return result;
        }
        if (!(e.value() instanceof Sequence seq)) {
            problems.add(at(e.value().line(), key + ".rules", "must be a list of rules"));
            return result;
        }
        Set<String> local = new HashSet<>();
        for (int i = 0; i < seq.items().size(); i++) {
            String rKey = key + ".rules[" + i + "]";
            Mapping r = mapping(seq.items().get(i), rKey, RULE_KEYS);
            if (r == null) {
                continue;
            }
            RuleDefinition d = definition(r, rKey, true);
            if (d == null) {
                continue;
            }
            if (!local.add(d.id())) {
                problems.add(at(r.line(), rKey + ".id", "rule id '" + d.id() + "' appears twice in this list"));
            }
            ruleIds.putIfAbsent(d.id(), r.line());
            result.add(d);
        }
        return result;
    }

    private Map<String, RuleDefinition> overrides(Mapping m, String key, Map<String, Integer> ruleIds) {
        Map<String, RuleDefinition> result = new LinkedHashMap<>();
        forEachEntry(m, key + ".overrides", "overrides", (ruleId, node, oKey) -> {
            if (!ruleIds.containsKey(ruleId)) {
                problems.add(at(node.line(), oKey, "no rule with id '" + ruleId + "' to override; valid: "
                        + ruleIds.keySet()));
                return;
            }
            Mapping o = mapping(node, oKey, OVERRIDE_KEYS);
            if (o != null) {
                RuleDefinition d = definition(o, oKey, false);
                if (d != null) {
                    result.put(ruleId, new RuleDefinition(ruleId, null, null, d.severity(), d.setPoint(), d.reset(),
                            d.deadband(), d.onDelayMs(), d.offDelayMs(), d.flapChanges(), d.flapWindowMs(),
                            d.risePerMinute(), d.resetPerMinute(), d.windowMs(), d.minSamples(), d.maxSamples(),
                            d.silentAfterMs(), d.enabled(), d.origin()));
                }
            }
        });
        return result;
    }

    private RuleDefinition definition(Mapping r, String key, boolean full) {
        Map<String, Entry> e = r.entries();
        String id = null;
        RuleKind kind = null;
        Preset preset = null;
        if (full) {
            if (!e.containsKey("id")) {
                problems.add(at(r.line(), key + ".id", "missing; valid: an id such as gas-high-1 (letters, digits,"
                        + " '.', '_', '-'), part of every alarm id"));
                return null;
            }
            id = string(e.get("id").value(), key + ".id");
            if (id == null) {
                return null;
            }
            checkId(id, e.get("id").value().line(), key + ".id");
            if (id.startsWith(io.tocsin.rules.events.FieldEventAlarms.RULE_ID_PREFIX)) {
                // Commands naming such a rule are routed to the field event alarms, never to a sensor's rules.
                problems.add(at(e.get("id").value().line(), key + ".id", "'" + id + "' is reserved: ids starting with '"
                        + io.tocsin.rules.events.FieldEventAlarms.RULE_ID_PREFIX + "' name the alarms of field events"
                        + " (fire panels, devices); choose another id"));
            }
            if (e.containsKey("kind")) {
                String k = string(e.get("kind").value(), key + ".kind");
                kind = k == null ? null : RuleKind.fromFileName(k).orElse(null);
                if (k != null && kind == null) {
                    problems.add(at(e.get("kind").value().line(), key + ".kind", "unknown kind '" + k + "'; valid: "
                            + Arrays.stream(RuleKind.values()).map(RuleKind::fileName).toList()));
                }
            }
            if (e.containsKey("preset")) {
                String p = string(e.get("preset").value(), key + ".preset");
                preset = p == null ? null : Presets.named(p).orElse(null);
                if (p != null && preset == null) {
                    problems.add(at(e.get("preset").value().line(), key + ".preset", "unknown preset '" + p
                            + "'; valid: " + Presets.names()));
                }
            }
            if (!e.containsKey("kind") && !e.containsKey("preset")) {
                problems.add(at(r.line(), key, "a rule needs a kind or a preset; valid kinds: "
                        + Arrays.stream(RuleKind.values()).map(RuleKind::fileName).toList()));
                return null;
            }
            if (kind != null && preset != null && kind != preset.kind()) {
                problems.add(at(e.get("kind").value().line(), key + ".kind", "preset " + preset.name() + " is a "
                        + preset.kind().fileName() + " rule; remove kind or use kind: " + preset.kind().fileName()));
            }
        }
        Severity severity = null;
        if (e.containsKey("severity")) {
            String s = string(e.get("severity").value(), key + ".severity");
            try {
                severity = s == null ? null : Severity.valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ex) {
                problems.add(at(e.get("severity").value().line(), key + ".severity", "unknown severity '" + s
                        + "'; valid: " + Arrays.toString(Severity.values())));
            }
        }
        Integer flapChanges = null;
        Long flapWindow = null;
        if (e.containsKey("flapping")) {
            Mapping f = mapping(e.get("flapping").value(), key + ".flapping", FLAPPING_KEYS);
            if (f != null) {
                flapChanges = integer(f, "changes", key + ".flapping");
                flapWindow = duration(f, "window", key + ".flapping");
                if (flapChanges == null || flapWindow == null) {
                    problems.add(at(f.line(), key + ".flapping", "needs both changes (a count > 0) and window"
                            + " (e.g. 10m)"));
                }
            }
        }
        if (full && kind == null && preset == null) {
            return null; // reported above
        }
        return new RuleDefinition(id, kind, preset, severity, number(r, "setPoint", key), number(r, "reset", key),
                number(r, "deadband", key), duration(r, "onDelay", key), duration(r, "offDelay", key), flapChanges,
                flapWindow, number(r, "risePerMinute", key), number(r, "resetPerMinute", key),
                duration(r, "window", key), integer(r, "minSamples", key), integer(r, "maxSamples", key),
                duration(r, "after", key), bool(r, "enabled", key), at(r.line(), key, "").replaceAll(": $", ""));
    }

    private SitePolicy policy(YamlNode node, String key, SitePolicy defaults) {
        Mapping m = mapping(node, key, POLICY_KEYS);
        if (m == null) {
            return defaults;
        }
        Boolean red = bool(m, "allowShelvingRed", key);
        Long max = duration(m, "maxShelve", key);
        if (max != null && max <= 0) {
            problems.add(at(m.line(), key + ".maxShelve", "must be > 0"));
            max = null;
        }
        return new SitePolicy(red != null ? red : defaults.allowShelvingRed(),
                max != null ? max : defaults.maxShelveMs());
    }

    private Double[] span(Mapping m, String key) {
        Entry e = m.entries().get("span");
        if (e == null) {
            return new Double[] {null, null};
        }
        Mapping s = mapping(e.value(), key + ".span", SPAN_KEYS);
        if (s == null) {
            return new Double[] {null, null};
        }
        Double min = number(s, "min", key + ".span");
        Double max = number(s, "max", key + ".span");
        if (min == null || max == null || min >= max) {
            problems.add(at(s.line(), key + ".span", "needs min and max with min < max (the sensor's measuring"
                    + " range, e.g. {min: 0, max: 100})"));
            return new Double[] {null, null};
        }
        return new Double[] {min, max};
    }

    // --- small typed readers, each reporting its own problem ---

    private interface EntryVisitor {
        void visit(String name, YamlNode value, String key);
    }

    private void forEachEntry(Mapping parent, String key, EntryVisitor visitor) {
        forEachEntry(parent, key, key, visitor);
    }

    private void forEachEntry(Mapping parent, String key, String child, EntryVisitor visitor) {
        Entry e = parent.entries().get(child);
        if (e == null) {
            return;
        }
        if (!(e.value() instanceof Mapping m)) {
            problems.add(at(e.value().line(), key, "must be a mapping of names to entries"));
            return;
        }
        m.entries().forEach((name, entry) -> visitor.visit(name, entry.value(), key + "." + name));
    }

    private Mapping mapping(YamlNode node, String key, Set<String> validKeys) {
        if (!(node instanceof Mapping m)) {
            problems.add(at(node.line(), key, "must be a mapping; valid keys: " + validKeys));
            return null;
        }
        checkKeys(m, key, validKeys);
        return m;
    }

    private void checkKeys(Mapping m, String key, Set<String> valid) {
        for (Entry e : m.entries().values()) {
            if (!valid.contains(e.key())) {
                problems.add(at(e.keyLine(), (key.isEmpty() ? "" : key + ".") + e.key(), "unknown key; valid: "
                        + valid));
            }
        }
    }

    private String string(YamlNode node, String key) {
        if (node instanceof Scalar s && s.text() != null && s.token() != JsonToken.VALUE_NULL) {
            return s.text();
        }
        problems.add(at(node.line(), key, "must be a single value (text)"));
        return null;
    }

    private List<String> strings(YamlNode node, String key) {
        if (node instanceof Scalar) {
            String s = string(node, key);
            return s == null ? List.of() : List.of(s);
        }
        if (node instanceof Sequence seq) {
            List<String> result = new ArrayList<>();
            for (YamlNode item : seq.items()) {
                String s = string(item, key);
                if (s != null) {
                    result.add(s);
                }
            }
            return result;
        }
        problems.add(at(node.line(), key, "must be a value or a list of values"));
        return List.of();
    }

    private Double number(Mapping m, String name, String key) {
        Entry e = m.entries().get(name);
        if (e == null) {
            return null;
        }
        if (e.value() instanceof Scalar s && (s.token() == JsonToken.VALUE_NUMBER_INT
                || s.token() == JsonToken.VALUE_NUMBER_FLOAT)) {
            try {
                double d = Double.parseDouble(s.text());
                if (Double.isFinite(d)) {
                    return d;
                }
            } catch (NumberFormatException ignored) {
                // YAML 1.1 numbers Java does not read as decimal ("0x1F", "0o17", "1_000"): reported below
            }
        }
        problems.add(at(e.value().line(), key + "." + name, "must be a finite decimal number"));
        return null;
    }

    private Integer integer(Mapping m, String name, String key) {
        Entry e = m.entries().get(name);
        if (e == null) {
            return null;
        }
        if (e.value() instanceof Scalar s && s.token() == JsonToken.VALUE_NUMBER_INT) {
            try {
                int i = Integer.parseInt(s.text());
                if (i > 0) {
                    return i;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        problems.add(at(e.value().line(), key + "." + name, "must be a whole number > 0"));
        return null;
    }

    private Boolean bool(Mapping m, String name, String key) {
        Entry e = m.entries().get(name);
        if (e == null) {
            return null;
        }
        if (e.value() instanceof Scalar s && (s.token() == JsonToken.VALUE_TRUE || s.token() == JsonToken.VALUE_FALSE)) {
            return s.token() == JsonToken.VALUE_TRUE;
        }
        problems.add(at(e.value().line(), key + "." + name, "must be true or false"));
        return null;
    }

    private Long duration(Mapping m, String name, String key) {
        Entry e = m.entries().get(name);
        if (e == null) {
            return null;
        }
        if (e.value() instanceof Scalar s && s.text() != null) {
            try {
                return DurationText.millis(s.text().trim());
            } catch (IllegalArgumentException notADuration) {
                // a problem below
            }
        }
        problems.add(at(e.value().line(), key + "." + name, "must be a duration; valid: a whole number with ms, s,"
                + " m or h, e.g. " + DurationText.EXAMPLES));
        return null;
    }

    private void checkId(String id, int line, String key) {
        if (!ID.matcher(id).matches()) {
            problems.add(at(line, key, "'" + id + "' is not a valid id; valid: letters, digits, '.', '_', '-',"
                    + " starting with a letter or digit (ids are parts of alarm ids and MQTT topics)"));
        }
    }

    private String at(int line, String key, String message) {
        return file + ":" + line + ": " + key + ": " + message;
    }

    /** Shell-style pattern: '*' any characters, '?' one. */
    private static Pattern glob(String glob) {
        String regex = Arrays.stream(glob.split("", -1))
                .map(c -> switch (c) {
                    case "*" -> ".*";
                    case "?" -> ".";
                    default -> Pattern.quote(c);
                })
                .collect(Collectors.joining());
        return Pattern.compile(regex);
    }

    private static Set<String> orderedSet(String... items) {
        return new java.util.LinkedHashSet<>(Arrays.asList(items));
    }
}
