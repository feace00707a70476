package io.tocsin.rules.config;

import io.tocsin.rules.AlarmRule;
import io.tocsin.rules.engine.SensorAlarmEngine;
import io.tocsin.rules.lifecycle.SitePolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A loaded, validated rule file: which rules apply to which sensor, with which site policy. Load it with
 * {@link RuleFileLoader}; ask it for a sensor's {@link #engineFor engine}.
 *
 * <p>A sensor's rules: those of its sensor type (declared for the sensor under its site, or else the first
 * type whose {@code match} pattern matches the sensor id), plus those of its tags, then the site's overrides,
 * then the sensor's own. A sensor without a type gets no rules.
 */
public final class RuleSet {

    record SensorType(String name, List<Pattern> match, Double spanMin, Double spanMax, List<RuleDefinition> rules) {
    }

    record SensorDeclaration(String type, List<String> tags, Double spanMin, Double spanMax,
            Map<String, RuleDefinition> overrides) {
    }

    record Site(SitePolicy policy, Map<String, RuleDefinition> overrides, Map<String, SensorDeclaration> sensors) {
    }

    private final String version;
    private final String source;
    private final SitePolicy policy;
    private final Map<String, SensorType> types;
    private final Map<String, List<RuleDefinition>> tags;
    private final Map<String, Site> sites;
    private final Map<String, SensorAlarmEngine> engines = new ConcurrentHashMap<>();

    RuleSet(String version, String source, SitePolicy policy, Map<String, SensorType> types,
            Map<String, List<RuleDefinition>> tags, Map<String, Site> sites) {
        this.version = version;
        this.source = source;
        this.policy = policy;
        this.types = new LinkedHashMap<>(types);
        this.tags = new LinkedHashMap<>(tags);
        this.sites = new LinkedHashMap<>(sites);
    }

    /** The file's {@code version}: every alarm event carries it. */
    public String version() {
        return version;
    }

    /** Where it was loaded from (a path or a resource name). */
    public String source() {
        return source;
    }

    /**
     * The engine for one sensor, built on first use and cached (one per site/sensor asked for; a sensor
     * without any rule gets an {@link SensorAlarmEngine#isEmpty() empty} engine). Thread-safe.
     */
    public SensorAlarmEngine engineFor(String siteId, String sensorId) {
        return engines.computeIfAbsent(siteId + "/" + sensorId, k -> build(siteId, sensorId));
    }

    /** The sensor type a sensor gets, if any. */
    public Optional<String> typeOf(String siteId, String sensorId) {
        return Optional.ofNullable(resolveType(siteId, sensorId)).map(SensorType::name);
    }

    /** The site's policy (the file's default policy when the site has none). */
    public SitePolicy policyOf(String siteId) {
        Site site = sites.get(siteId);
        return site != null && site.policy() != null ? site.policy() : policy;
    }

    private SensorType resolveType(String siteId, String sensorId) {
        SensorDeclaration decl = declaration(siteId, sensorId);
        if (decl != null && decl.type() != null) {
            return types.get(decl.type());
        }
        for (SensorType t : types.values()) {
            for (Pattern p : t.match()) {
                if (p.matcher(sensorId).matches()) {
                    return t;
                }
            }
        }
        return null;
    }

    private SensorDeclaration declaration(String siteId, String sensorId) {
        Site site = sites.get(siteId);
        return site == null ? null : site.sensors().get(sensorId);
    }

    private SensorAlarmEngine build(String siteId, String sensorId) {
        SensorType type = resolveType(siteId, sensorId);
        SensorDeclaration decl = declaration(siteId, sensorId);
        Site site = sites.get(siteId);
        List<RuleDefinition> defs = new ArrayList<>();
        if (type != null) {
            defs.addAll(type.rules());
        }
        if (decl != null) {
            for (String tag : decl.tags()) {
                defs.addAll(tags.getOrDefault(tag, List.of()));
            }
        }
        double spanMin = Double.NEGATIVE_INFINITY;
        double spanMax = Double.POSITIVE_INFINITY;
        if (decl != null && decl.spanMin() != null) {
            spanMin = decl.spanMin();
            spanMax = decl.spanMax();
        } else if (type != null && type.spanMin() != null) {
            spanMin = type.spanMin();
            spanMax = type.spanMax();
        }
        List<AlarmRule> rules = new ArrayList<>();
        for (RuleDefinition def : defs) {
            RuleDefinition d = def;
            if (site != null && site.overrides().containsKey(d.id())) {
                d = d.overriddenBy(site.overrides().get(d.id()));
            }
            if (decl != null && decl.overrides().containsKey(d.id())) {
                d = d.overriddenBy(decl.overrides().get(d.id()));
            }
            if (d.isEnabled()) {
                try {
                    rules.addAll(d.compile(spanMin, spanMax));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(d.origin() + ": " + e.getMessage(), e);
                }
            }
        }
        return new SensorAlarmEngine(version, rules, spanMin, spanMax, policyOf(siteId));
    }

    /** For validation at load: every combination a file names. */
    List<String[]> declaredSensors() {
        List<String[]> result = new ArrayList<>();
        sites.forEach((siteId, site) -> site.sensors().keySet().forEach(s -> result.add(new String[] {siteId, s})));
        return result;
    }

    Map<String, SensorType> types() {
        return types;
    }

    Map<String, Site> sites() {
        return sites;
    }
}
