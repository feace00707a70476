package io.tocsin.ingest.auth;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tocsin.proto.MqttTopics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The devices and stations allowed to connect, read from a YAML file:
 *
 * <pre>
 * devices:
 *   - name: gw-01                 # MQTT user name, DTLS PSK identity, TLS client certificate CN
 *     site: park-north            # its telemetry topic: tocsin/v1/telemetry/park-north/gw-01
 *     device: gw-01               # optional, defaults to name
 *     password: pbkdf2-sha256-generated:1000:...:...   # a generated secret (HashPasswordCommand --generate)
 * stations:
 *   - name: station-7
 *     sites: [park-north, park-south]
 *     password: pbkdf2-sha256:600000:...:...
 * </pre>
 *
 * Password lines are produced by {@link HashPasswordCommand}; there is no plain text in the file. Gateways of a
 * fleet should get generated secrets ({@code --generate}): cheap to check when they all reconnect after a restart. A client with a
 * TLS client certificate needs no password line ({@code password} may then be left out).
 *
 * <p>Validated completely at load time: the first problem found throws {@link IllegalArgumentException} naming
 * the file, the line, the key and the fix. Immutable afterwards (reload by restarting the server).
 */
public final class CredentialRegistry {

    /** One registered name. */
    public record Entry(Identity identity, PasswordHash password) {
        public Optional<PasswordHash> passwordHash() {
            return Optional.ofNullable(password);
        }
    }

    private static final String FIX_PASSWORD = "produce it with: java -cp tocsin-ingest.jar "
            + HashPasswordCommand.class.getName() + " (reads the password from stdin), or for a device with "
            + "--generate (makes a random secret)";

    private final Map<String, Entry> byName;

    private CredentialRegistry(Map<String, Entry> byName) {
        this.byName = Map.copyOf(byName);
    }

    /** Builds a registry in code (tests, embedding). */
    public static CredentialRegistry of(Map<String, Entry> entries) {
        return new CredentialRegistry(entries);
    }

    public static CredentialRegistry load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the credential registry: " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** Parses registry YAML; {@code source} names it in error messages. */
    public static CredentialRegistry parse(String yaml, String source) {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory())
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
        JsonNode root;
        try {
            root = mapper.readTree(yaml);
        } catch (JsonProcessingException e) {
            JsonLocation where = e.getLocation();
            throw new IllegalArgumentException(source + (where == null ? "" : ", line " + where.getLineNr())
                    + ": not valid YAML: " + e.getOriginalMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            root = mapper.createObjectNode();
        }
        if (!root.isObject()) {
            throw problem(source, "(top level)", "must be a mapping with 'devices' and 'stations' lists");
        }
        for (Iterator<String> keys = root.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!key.equals("devices") && !key.equals("stations")) {
                throw problem(source, key, "unknown key; allowed: devices, stations");
            }
        }
        Map<String, Entry> entries = new HashMap<>();
        JsonNode devices = root.path("devices");
        if (!devices.isMissingNode() && !devices.isNull()) {
            requireList(source, "devices", devices);
            for (int i = 0; i < devices.size(); i++) {
                String at = "devices[" + i + "]";
                JsonNode node = devices.get(i);
                requireKeys(source, at, node, Set.of("name", "site", "device", "password"));
                String name = level(source, at + ".name", node.get("name"));
                String site = level(source, at + ".site", node.get("site"));
                String device = node.hasNonNull("device") ? level(source, at + ".device", node.get("device")) : name;
                add(source, at, entries, new Entry(Identity.device(name, site, device),
                        password(source, at, node)));
            }
        }
        JsonNode stations = root.path("stations");
        if (!stations.isMissingNode() && !stations.isNull()) {
            requireList(source, "stations", stations);
            for (int i = 0; i < stations.size(); i++) {
                String at = "stations[" + i + "]";
                JsonNode node = stations.get(i);
                requireKeys(source, at, node, Set.of("name", "sites", "password"));
                String name = level(source, at + ".name", node.get("name"));
                JsonNode sitesNode = node.get("sites");
                if (sitesNode == null || !sitesNode.isArray() || sitesNode.isEmpty()) {
                    throw problem(source, at + ".sites", "must be a non-empty list of site ids, e.g. [park-north]");
                }
                Set<String> sites = new LinkedHashSet<>();
                for (int s = 0; s < sitesNode.size(); s++) {
                    sites.add(level(source, at + ".sites[" + s + "]", sitesNode.get(s)));
                }
                add(source, at, entries, new Entry(Identity.station(name, sites), password(source, at, node)));
            }
        }
        return new CredentialRegistry(entries);
    }

    public Optional<Entry> find(String name) {
        return Optional.ofNullable(name == null ? null : byName.get(name));
    }

    /** Every registered name. */
    public java.util.Collection<Entry> entries() {
        return byName.values();
    }

    public int size() {
        return byName.size();
    }

    private static void add(String source, String at, Map<String, Entry> entries, Entry entry) {
        String name = entry.identity().name();
        if (entries.putIfAbsent(name, entry) != null) {
            throw problem(source, at + ".name", "'" + name + "' is registered twice; names must be unique across "
                    + "devices and stations");
        }
    }

    private static PasswordHash password(String source, String at, JsonNode node) {
        JsonNode value = node.get("password");
        if (value == null || value.isNull()) {
            return null; // certificate-only client
        }
        if (!value.isTextual()) {
            throw problem(source, at + ".password", "must be a " + PasswordHash.SCHEME + " hash; " + FIX_PASSWORD);
        }
        try {
            return PasswordHash.parse(value.asText());
        } catch (IllegalArgumentException e) {
            throw problem(source, at + ".password", e.getMessage() + " (plain text passwords are not accepted); "
                    + FIX_PASSWORD);
        }
    }

    private static void requireList(String source, String key, JsonNode node) {
        if (!node.isArray()) {
            throw problem(source, key, "must be a list of entries ('- name: ...')");
        }
    }

    private static void requireKeys(String source, String at, JsonNode node, Set<String> allowed) {
        if (node == null || !node.isObject()) {
            throw problem(source, at, "must be a mapping with keys " + allowed);
        }
        for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!allowed.contains(key)) {
                throw problem(source, at + "." + key, "unknown key; allowed: " + allowed);
            }
        }
    }

    private static String level(String source, String key, JsonNode value) {
        if (value == null || !value.isTextual() || !MqttTopics.isLevel(value.asText())) {
            throw problem(source, key, "required, a non-empty id without '/', '+' or '#'");
        }
        return value.asText();
    }

    private static IllegalArgumentException problem(String source, String key, String what) {
        return new IllegalArgumentException(source + ": key " + key + ": " + what);
    }
}
