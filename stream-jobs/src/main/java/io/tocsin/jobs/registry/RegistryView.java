package io.tocsin.jobs.registry;

import io.tocsin.jobs.alarms.RuleFileText;
import io.tocsin.proto.v1.RegistryRecord;
import io.tocsin.rules.config.RuleFileLoader;
import io.tocsin.rules.config.RuleSet;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules and the site registry as one operator instance sees them: the files given at start-up, overridden
 * key by key by what arrived on the registry topic. The topic's records are kept in Flink broadcast state
 * ({@link #STATE}), so they are checkpointed and every parallel instance holds the same; the parsed objects are a
 * cache, rebuilt from the state when it changes or after a restore.
 *
 * <p>A record that cannot be used (not a RegistryRecord, a rule file with errors, a zone that cannot be voted)
 * is refused when it arrives: logged, counted, and the previous content stays in force. A bad update must never
 * leave a city without alarm rules.
 */
public final class RegistryView implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RegistryView.class);

    /** The broadcast state: registry key -> record bytes; an empty value marks a removed site. Never rename. */
    public static final MapStateDescriptor<String, byte[]> STATE = new MapStateDescriptor<>("site-registry",
            Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private final RuleFileText rulesFile;
    private final RegistryFileText registryFile;
    private transient RuleSet rules;
    private transient SiteRegistry registry;

    public RegistryView(RuleFileText rulesFile, RegistryFileText registryFile) {
        this.rulesFile = Objects.requireNonNull(rulesFile, "rulesFile");
        this.registryFile = Objects.requireNonNull(registryFile, "registryFile");
    }

    public RuleSet rules(ReadOnlyBroadcastState<String, byte[]> state) throws Exception {
        if (rules == null) {
            rebuild(state.immutableEntries());
        }
        return rules;
    }

    public SiteRegistry registry(ReadOnlyBroadcastState<String, byte[]> state) throws Exception {
        if (registry == null) {
            rebuild(state.immutableEntries());
        }
        return registry;
    }

    /**
     * The rules as last built from the state, or null before the first look-up: lets a per-record caller skip
     * fetching the broadcast state (a map look-up per record) once the view is built; it is rebuilt whenever a
     * record is applied.
     */
    public RuleSet builtRules() {
        return rules;
    }

    /** The registry as last built, or null before the first look-up (see {@link #builtRules()}). */
    public SiteRegistry builtRegistry() {
        return registry;
    }

    /**
     * Takes a record from the registry topic into the broadcast state.
     *
     * @return null when taken, otherwise why it was refused
     */
    public String apply(RegistryEntry entry, BroadcastState<String, byte[]> state) throws Exception {
        String refusal = check(entry);
        if (refusal != null) {
            LOG.error("Registry record '{}' refused, the previous content stays in force: {}", entry.key(), refusal);
            return refusal;
        }
        state.put(entry.key(), entry.isRemoval() ? new byte[0] : entry.value());
        rebuild(state.immutableEntries());
        LOG.info("Registry record '{}' {}", entry.key(), entry.isRemoval() ? "removed" : "taken");
        return null;
    }

    static String check(RegistryEntry entry) {
        if (entry.key() == null) {
            return "record without key";
        }
        boolean rulesKey = entry.key().equals(RegistryEntry.RULES_KEY);
        if (!rulesKey && !entry.key().startsWith(RegistryEntry.SITE_KEY_PREFIX)) {
            return "unknown key; valid: '" + RegistryEntry.RULES_KEY + "' or '" + RegistryEntry.SITE_KEY_PREFIX
                    + "<site id>'";
        }
        if (entry.isRemoval()) {
            return rulesKey ? "the rules cannot be removed, only replaced" : null;
        }
        try {
            RegistryRecord record = RegistryCodec.parse(entry.value());
            if (rulesKey) {
                if (!record.hasRuleFile()) {
                    return "key 'rules' must hold a RuleFile";
                }
                RuleFileLoader.parse(record.getRuleFile().getName(), record.getRuleFile().getYaml());
            } else {
                if (!record.hasSite()) {
                    return "a site key must hold a Site";
                }
                SiteEntry site = RegistryCodec.fromProto(record.getSite());
                if (!entry.key().equals(RegistryEntry.siteKey(site.siteId()))) {
                    return "key " + entry.key() + " holds site " + site.siteId();
                }
            }
            return null;
        } catch (Exception e) {
            return e.getMessage();
        }
    }

    private void rebuild(Iterable<Map.Entry<String, byte[]>> entries) throws Exception {
        RuleSet nextRules = rulesFile.load();
        Map<String, SiteEntry> sites = new LinkedHashMap<>();
        registryFile.load().sites().forEach(s -> sites.put(s.siteId(), s));
        for (Map.Entry<String, byte[]> e : entries) {
            if (e.getKey().equals(RegistryEntry.RULES_KEY)) {
                RegistryRecord record = RegistryCodec.parse(e.getValue());
                nextRules = RuleFileLoader.parse(record.getRuleFile().getName(), record.getRuleFile().getYaml());
            } else if (e.getValue().length == 0) {
                sites.remove(e.getKey().substring(RegistryEntry.SITE_KEY_PREFIX.length()));
            } else {
                SiteEntry site = RegistryCodec.fromProto(RegistryCodec.parse(e.getValue()).getSite());
                sites.put(site.siteId(), site);
            }
        }
        rules = nextRules;
        registry = new SiteRegistry(sites.values());
    }
}
