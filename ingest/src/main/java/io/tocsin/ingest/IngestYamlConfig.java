package io.tocsin.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.tocsin.ingest.auth.CredentialRegistry;
import io.tocsin.ingest.coap.CoapSettings;
import io.tocsin.ingest.telemetry.TelemetryWriter;
import io.tocsin.ingest.tls.TlsSettings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The ingest server's configuration file (YAML; see {@code ingest/examples/ingest.yaml} for every key and its
 * default). Everything is optional except what a section needs once present; unknown keys are errors (a typo must
 * not silently leave a default in place at a fire station).
 *
 * <p>Validated completely at load time, including reading the credential registry and building the TLS context
 * from its files: the first problem throws {@link IllegalArgumentException} naming the file, the line, the key and
 * the fix. Relative file names (registry, TLS files) are resolved against the configuration file's directory.
 *
 * <pre>{@code
 * IngestYamlConfig yaml = IngestYamlConfig.load(Path.of("conf/ingest.yaml"));
 * IngestServer server = yaml.builder(telemetryWriter, meters).deviceStatus(statusWriter).build().start();
 * }</pre>
 *
 * @param mqtt                 listener and per-connection limits
 * @param connectionsPerSecond new TCP connections accepted per second (0: no limit)
 * @param publishLimits        publish rate per connection, MQTT 5 keep alive maximum, memory budget
 * @param sessionLimits        messages queued for absent clients, longest session expiry
 * @param credentials          the credential registry, or null (every client accepted)
 * @param tls                  the TLS listener, or null
 * @param coap                 the CoAP endpoint, or null
 * @param httpBindHost         /health and /metrics address, or null when there is no {@code http} section
 * @param httpPort             /health and /metrics port (-1 without {@code http} section)
 */
public record IngestYamlConfig(IngestConfig mqtt, int connectionsPerSecond, PublishLimits publishLimits,
                               SessionLimits sessionLimits, CredentialRegistry credentials, TlsSettings tls,
                               CoapSettings coap, String httpBindHost, int httpPort) {

    private static final Map<String, Set<String>> SECTIONS = new LinkedHashMap<>();

    static {
        SECTIONS.put("mqtt", Set.of("bind", "port", "maxPacketBytes", "maxInFlightPerConnection",
                "connectTimeoutSeconds", "connectionsPerSecond", "publishesPerSecond", "publishBurst",
                "maxKeepAliveSeconds"));
        SECTIONS.put("memoryBudget", Set.of("highWaterBytes", "lowWaterBytes"));
        SECTIONS.put("sessions", Set.of("maxQueued", "maxExpirySeconds"));
        SECTIONS.put("registry", Set.of());
        SECTIONS.put("tls", Set.of("port", "certificate", "privateKey", "clientCa", "requireClientCertificate"));
        SECTIONS.put("coap", Set.of("bind", "port", "dtlsPort", "maxPayloadBytes", "retryAfterSeconds",
                "offlineAfterSeconds"));
        SECTIONS.put("http", Set.of("bind", "port"));
    }

    /** A server builder with everything this file configures (add the device status writer etc. to it). */
    public IngestServer.Builder builder(TelemetryWriter telemetryWriter, MeterRegistry meters) {
        IngestServer.Builder builder = IngestServer.builder(mqtt, telemetryWriter, meters)
                .connectionRateLimit(connectionsPerSecond)
                .publishLimits(publishLimits)
                .sessionLimits(sessionLimits);
        if (credentials != null) {
            builder.credentials(credentials);
        }
        if (tls != null) {
            builder.tls(tls);
        }
        if (coap != null) {
            builder.coap(coap);
        }
        if (httpBindHost != null) {
            builder.http(httpBindHost, httpPort);
        }
        return builder;
    }

    public static IngestYamlConfig load(Path file) {
        String text = LineNumberedYaml.read(file, "the ingest configuration",
                "check the path and the file's permissions");
        Path directory = file.toAbsolutePath().getParent();
        return parse(text, file.toString(), directory);
    }

    /** Parses configuration YAML; {@code source} names it in errors, relative paths resolve against baseDirectory. */
    public static IngestYamlConfig parse(String yaml, String source, Path baseDirectory) {
        return new Reader(yaml, source, baseDirectory).read();
    }

    /** One parse of the tree, whose keys' lines point errors at the right place. */
    private static final class Reader {
        private final String source;
        private final Path baseDirectory;
        private final LineNumberedYaml yaml;
        private final JsonNode root;

        Reader(String yaml, String source, Path baseDirectory) {
            this.source = source;
            this.baseDirectory = baseDirectory;
            this.yaml = LineNumberedYaml.parse(yaml, source);
            this.root = this.yaml.root();
        }

        IngestYamlConfig read() {
            if (!root.isObject()) {
                throw problem("(top level)", "must be a mapping of sections", "start with e.g. 'mqtt:'");
            }
            for (Iterator<String> keys = root.fieldNames(); keys.hasNext(); ) {
                String section = keys.next();
                Set<String> allowed = SECTIONS.get(section);
                if (allowed == null) {
                    throw problem(section, "unknown section", "use one of " + SECTIONS.keySet());
                }
                JsonNode node = root.get(section);
                if (section.equals("registry")) {
                    continue;
                }
                if (!node.isObject()) {
                    throw problem(section, "must be a mapping", "indent its keys under '" + section + ":', one of "
                            + allowed);
                }
                for (Iterator<String> inner = node.fieldNames(); inner.hasNext(); ) {
                    String key = inner.next();
                    if (!allowed.contains(key)) {
                        throw problem(section + "." + key, "unknown key", "use one of " + allowed);
                    }
                }
            }

            IngestConfig defaults = IngestConfig.defaults();
            IngestConfig mqtt = build("mqtt", () -> new IngestConfig(
                    text("mqtt.bind", defaults.bindHost()),
                    integer("mqtt.port", defaults.port(), 0, 65_535),
                    integer("mqtt.maxPacketBytes", defaults.maxPacketBytes(), 1, 268_435_455),
                    integer("mqtt.maxInFlightPerConnection", defaults.maxInFlightPerConnection(), 1, 65_535),
                    Duration.ofSeconds(integer("mqtt.connectTimeoutSeconds",
                            (int) defaults.connectTimeout().toSeconds(), 1, 3_600))));
            int connectionsPerSecond = integer("mqtt.connectionsPerSecond",
                    IngestServer.DEFAULT_CONNECTIONS_PER_SECOND, 0, Integer.MAX_VALUE);
            double publishesPerSecond = decimal("mqtt.publishesPerSecond", 0);
            int publishBurst = integer("mqtt.publishBurst", publishesPerSecond > 0
                    ? (int) Math.max(1, Math.ceil(publishesPerSecond)) : 0, 0, Integer.MAX_VALUE);
            if (publishesPerSecond > 0 && publishBurst < 1) {
                throw problem("mqtt.publishBurst", "must be at least 1 when mqtt.publishesPerSecond is set",
                        "allow at least one publish at once, e.g. the size of a gateway's backlog flush");
            }
            PublishLimits defaultLimits = PublishLimits.defaults();
            long high = longInteger("memoryBudget.highWaterBytes", defaultLimits.memoryHighWaterBytes(), 1);
            long low = longInteger("memoryBudget.lowWaterBytes", Math.min(high / 2,
                    defaultLimits.memoryLowWaterBytes()), 0);
            if (low >= high) {
                throw problem("memoryBudget.lowWaterBytes", "must be below memoryBudget.highWaterBytes (" + high + ")",
                        "use about half of highWaterBytes");
            }
            PublishLimits limits = new PublishLimits(publishesPerSecond, publishBurst,
                    integer("mqtt.maxKeepAliveSeconds", 0, 0, 65_535), high, low);

            SessionLimits sessionDefaults = SessionLimits.defaults();
            SessionLimits sessions = build("sessions", () -> new SessionLimits(
                    integer("sessions.maxQueued", sessionDefaults.maxQueued(), 0, Integer.MAX_VALUE),
                    Duration.ofSeconds(longInteger("sessions.maxExpirySeconds",
                            sessionDefaults.maxExpiry().toSeconds(), 0))));

            CredentialRegistry credentials = null;
            if (root.has("registry")) {
                Path registry = path("registry");
                try {
                    credentials = CredentialRegistry.load(registry);
                } catch (IllegalArgumentException e) {
                    throw problem("registry", "the credential registry " + registry + " is not usable: "
                            + e.getMessage(), "correct that file, or point 'registry' at the right one");
                }
            }

            TlsSettings tls = null;
            if (root.has("tls")) {
                int port = integer("tls.port", 8883, 0, 65_535);
                Path certificate = requiredPath("tls.certificate", "the server certificate chain (PEM)");
                Path privateKey = requiredPath("tls.privateKey", "the server's PKCS#8 private key (PEM)");
                Path clientCa = root.path("tls").has("clientCa") ? path("tls.clientCa") : null;
                boolean requireClientCertificate = bool("tls.requireClientCertificate", false);
                if (requireClientCertificate && clientCa == null) {
                    throw problem("tls.requireClientCertificate", "needs tls.clientCa",
                            "add tls.clientCa (the CA of the devices' certificates) or set this to false");
                }
                try {
                    tls = TlsSettings.fromPemFiles(port, certificate, privateKey, clientCa, requireClientCertificate);
                } catch (IllegalArgumentException e) {
                    throw problem("tls", e.getMessage(), "check tls.certificate, tls.privateKey (PKCS#8: BEGIN "
                            + "PRIVATE KEY) and tls.clientCa");
                }
            }

            CoapSettings coap = null;
            if (root.has("coap")) {
                CoapSettings coapDefaults = CoapSettings.defaults();
                int retryAfterSeconds = integer("coap.retryAfterSeconds", (int) coapDefaults.retryAfter().toSeconds(),
                        0, 86_400);
                int offlineAfterSeconds = offlineAfterSeconds((int) coapDefaults.offlineAfter().toSeconds(),
                        retryAfterSeconds);
                coap = build("coap", () -> new CoapSettings(
                        text("coap.bind", coapDefaults.bindHost()),
                        integer("coap.port", coapDefaults.port(), -1, 65_535),
                        integer("coap.dtlsPort", coapDefaults.dtlsPort(), -1, 65_535),
                        integer("coap.maxPayloadBytes", coapDefaults.maxPayloadBytes(), 1, 65_535),
                        Duration.ofSeconds(retryAfterSeconds),
                        Duration.ofSeconds(offlineAfterSeconds)));
                if (coap.dtlsPort() != CoapSettings.DISABLED && credentials == null) {
                    throw problem("coap.dtlsPort", "DTLS needs the credential registry (its pre-shared keys)",
                            "add 'registry:' or set coap.dtlsPort to -1");
                }
            }

            String httpBind = null;
            int httpPort = -1;
            if (root.has("http")) {
                httpBind = text("http.bind", "0.0.0.0");
                httpPort = integer("http.port", 9090, 0, 65_535);
            }
            return new IngestYamlConfig(mqtt, connectionsPerSecond, limits, sessions, credentials, tls, coap,
                    httpBind, httpPort);
        }

        /** The silence after which a CoAP device is offline (CoAP has no connection to lose). */
        private int offlineAfterSeconds(int absent, int retryAfterSeconds) {
            String key = "coap.offlineAfterSeconds";
            JsonNode node = node(key);
            if (node != null && (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < 1
                    || node.asInt() > 86_400)) {
                throw problem(key, "must be whole seconds in 1..86400, is '" + node.asText() + "'",
                        "use a few times the CoAP gateways' reporting interval, e.g. " + absent
                                + " for gateways that report every second or two");
            }
            int seconds = node == null ? absent : node.asInt();
            if (seconds <= retryAfterSeconds) {
                throw problem(key, "must be longer than coap.retryAfterSeconds (" + retryAfterSeconds + ")"
                        + (node == null ? ", is " + seconds + " by default" : "") + ": a device waiting as told by "
                        + "a 5.03 would count as offline", "set it to more than " + retryAfterSeconds
                        + ", a few times the gateways' reporting interval");
            }
            return seconds;
        }

        private <T> T build(String section, java.util.function.Supplier<T> construction) {
            try {
                return construction.get();
            } catch (IllegalArgumentException e) {
                if (e.getMessage() != null && e.getMessage().startsWith(source)) {
                    throw e;
                }
                throw problem(section, e.getMessage(), "correct the values of section '" + section + "'");
            }
        }

        private JsonNode node(String key) {
            JsonNode node = root;
            for (String part : key.split("\\.")) {
                node = node.path(part);
            }
            return node.isMissingNode() || node.isNull() ? null : node;
        }

        private String text(String key, String absent) {
            JsonNode node = node(key);
            if (node == null) {
                return absent;
            }
            if (!node.isTextual() || node.asText().isBlank()) {
                throw problem(key, "must be a non-empty text", "e.g. " + key.substring(key.indexOf('.') + 1)
                        + ": " + absent);
            }
            return node.asText();
        }

        private int integer(String key, int absent, int min, int max) {
            long value = longInteger(key, absent, min);
            if (value > max) {
                throw problem(key, "must be at most " + max + ", is " + value, "use a value in " + min + ".." + max);
            }
            return (int) value;
        }

        private long longInteger(String key, long absent, long min) {
            JsonNode node = node(key);
            if (node == null) {
                return absent;
            }
            if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                throw problem(key, "must be a whole number, is '" + node.asText() + "'",
                        "write digits only, e.g. " + absent);
            }
            long value = node.asLong();
            if (value < min) {
                throw problem(key, "must be at least " + min + ", is " + value, "use a value >= " + min);
            }
            return value;
        }

        private double decimal(String key, double absent) {
            JsonNode node = node(key);
            if (node == null) {
                return absent;
            }
            if (!node.isNumber() || node.asDouble() < 0 || Double.isInfinite(node.asDouble())) {
                throw problem(key, "must be a number >= 0, is '" + node.asText() + "'", "e.g. 10 or 0.5 (0: no limit)");
            }
            return node.asDouble();
        }

        private boolean bool(String key, boolean absent) {
            JsonNode node = node(key);
            if (node == null) {
                return absent;
            }
            if (!node.isBoolean()) {
                throw problem(key, "must be true or false, is '" + node.asText() + "'", "write true or false");
            }
            return node.asBoolean();
        }

        private Path requiredPath(String key, String what) {
            if (node(key) == null) {
                throw problem(key, "required in this section", "give the file of " + what);
            }
            return path(key);
        }

        private Path path(String key) {
            JsonNode node = node(key);
            if (node == null || !node.isTextual() || node.asText().isBlank()) {
                throw problem(key, "must be a file name", "e.g. " + key + ": conf/file (relative to this file)");
            }
            Path file = Path.of(node.asText());
            if (!file.isAbsolute() && baseDirectory != null) {
                file = baseDirectory.resolve(file);
            }
            if (!Files.isReadable(file)) {
                throw problem(key, "file " + file + " does not exist or is not readable",
                        "correct the path (relative paths start at this file's directory) or the file's permissions");
            }
            return file;
        }

        private IllegalArgumentException problem(String key, String what, String fix) {
            return yaml.problem(key, what, fix);
        }
    }
}
