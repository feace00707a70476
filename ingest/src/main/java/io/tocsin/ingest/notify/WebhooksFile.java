package io.tocsin.ingest.notify;

import com.fasterxml.jackson.databind.JsonNode;
import io.tocsin.ingest.LineNumberedYaml;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and validates a webhooks file (sample: {@code deploy/webhooks.example.yaml}):
 *
 * <pre>{@code
 * delivery:                 # optional, defaults shown
 *   first-retry: 1s
 *   max-retry: 60s
 *   give-up-after: 15m
 *   request-timeout: 10s
 *   state-directory: ...    # relative to this file; default chosen by the launcher
 *   remember-delivered: 100000
 * stations:
 *   station-07:
 *     url: https://sms-gateway.example.org/tocsin
 *     secret-env: TOCSIN_WEBHOOK_SECRET_STATION_07   # or secret: <at least 16 characters>
 *     format: json          # or bot-text
 * }</pre>
 *
 * <p>The first problem throws {@link IllegalArgumentException} naming the file, the line, the key and the fix: a
 * station whose alarms silently go nowhere because of a typo is what this class exists to prevent.
 */
public final class WebhooksFile {

    /** Shortest secret accepted: HMAC-SHA256 keys shorter than this are guessable. */
    public static final int MIN_SECRET_BYTES = 16;

    private static final Logger log = LoggerFactory.getLogger(WebhooksFile.class);
    private static final Set<String> TOP = Set.of("delivery", "stations");
    private static final Set<String> DELIVERY = Set.of("first-retry", "max-retry", "give-up-after", "request-timeout",
            "state-directory", "remember-delivered");
    private static final Set<String> STATION = Set.of("url", "secret", "secret-env", "format");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    private WebhooksFile() {
    }

    /**
     * Reads {@code file}; secrets named by {@code secret-env} come from the environment.
     *
     * @param defaultStateDirectory used when the file sets no {@code delivery.state-directory}
     */
    public static WebhookSettings load(Path file, Path defaultStateDirectory) {
        String text = LineNumberedYaml.read(file, "the webhooks file",
                "check the path given for the webhooks file and its permissions");
        Path directory = file.toAbsolutePath().getParent();
        return parse(text, file.toString(), directory, defaultStateDirectory, System::getenv);
    }

    /**
     * Parses webhooks YAML; {@code source} names it in errors, a relative state directory resolves against
     * {@code baseDirectory}, {@code environment} looks up {@code secret-env} names.
     */
    public static WebhookSettings parse(String yaml, String source, Path baseDirectory, Path defaultStateDirectory,
                                        Function<String, String> environment) {
        return new Reader(yaml, source, baseDirectory, defaultStateDirectory, environment).read();
    }

    private static final class Reader {
        private final String source;
        private final Path baseDirectory;
        private final Path defaultStateDirectory;
        private final Function<String, String> environment;
        private final LineNumberedYaml yaml;
        private final JsonNode root;

        Reader(String yaml, String source, Path baseDirectory, Path defaultStateDirectory,
               Function<String, String> environment) {
            this.source = source;
            this.baseDirectory = baseDirectory;
            this.defaultStateDirectory = defaultStateDirectory;
            this.environment = environment;
            this.yaml = LineNumberedYaml.parse(yaml, source);
            this.root = this.yaml.root();
        }

        WebhookSettings read() {
            if (!root.isObject()) {
                throw problem("(top level)", "must be a mapping with 'stations:' (and optionally 'delivery:')",
                        "start the file with 'stations:'");
            }
            checkKeys(root, "", TOP);
            RetryPolicy retry = RetryPolicy.DEFAULT;
            Path stateDirectory = defaultStateDirectory;
            int remember = WebhookSettings.DEFAULT_DELIVERED_KEYS_CAPACITY;
            JsonNode delivery = root.get("delivery");
            if (delivery != null && !delivery.isNull()) {
                if (!delivery.isObject()) {
                    throw problem("delivery", "must be a mapping", "indent its keys under 'delivery:', or remove it");
                }
                checkKeys(delivery, "delivery.", DELIVERY);
                retry = new RetryPolicy(
                        duration(delivery, "first-retry", RetryPolicy.DEFAULT.firstRetry()),
                        duration(delivery, "max-retry", RetryPolicy.DEFAULT.maxRetry()),
                        duration(delivery, "give-up-after", RetryPolicy.DEFAULT.giveUpAfter()),
                        duration(delivery, "request-timeout", RetryPolicy.DEFAULT.requestTimeout()));
                if (retry.maxRetry().compareTo(retry.firstRetry()) < 0) {
                    throw problem("delivery.max-retry", "is shorter than delivery.first-retry",
                            "make max-retry at least " + retry.firstRetry().toMillis() + "ms");
                }
                JsonNode dir = delivery.get("state-directory");
                if (dir != null) {
                    if (!dir.isTextual() || dir.asText().isBlank()) {
                        throw problem("delivery.state-directory", "must be a directory path",
                                "give a path (relative paths start at this file's directory) or remove the key");
                    }
                    stateDirectory = baseDirectory == null ? Path.of(dir.asText())
                            : baseDirectory.resolve(dir.asText());
                }
                JsonNode rememberNode = delivery.get("remember-delivered");
                if (rememberNode != null) {
                    if (!rememberNode.canConvertToInt() || !rememberNode.isIntegralNumber() || rememberNode.asInt() < 1) {
                        throw problem("delivery.remember-delivered", "must be a whole number of at least 1",
                                "give how many delivered alarm events to remember, e.g. 100000");
                    }
                    remember = rememberNode.asInt();
                }
            }
            if (stateDirectory == null) {
                throw problem("delivery.state-directory", "is not set and this launcher has no default",
                        "add 'state-directory: <path>' under 'delivery:'");
            }
            JsonNode stations = root.get("stations");
            if (stations == null || !stations.isObject() || stations.isEmpty()) {
                throw problem("stations", stations == null ? "is missing" : "must be a non-empty mapping",
                        "list each station id with its webhook, e.g. 'stations:\\n  station-07:\\n    url: https://...'");
            }
            Map<String, WebhookTarget> targets = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = stations.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                targets.put(entry.getKey(), target(entry.getKey(), entry.getValue()));
            }
            return new WebhookSettings(targets, retry, stateDirectory, remember);
        }

        private WebhookTarget target(String station, JsonNode node) {
            String key = "stations." + station;
            if (station.isBlank() || !station.strip().equals(station) || station.contains("/")) {
                throw problem(key, "'" + station + "' is not a usable station id",
                        "use the station id of the site registry (no spaces, no '/')");
            }
            if (node == null || !node.isObject()) {
                throw problem(key, "must be a mapping with url and secret",
                        "indent 'url:' and 'secret-env:' (or 'secret:') under '" + station + ":'");
            }
            checkKeys(node, key + ".", STATION);
            JsonNode urlNode = node.get("url");
            if (urlNode == null || !urlNode.isTextual() || urlNode.asText().isBlank()) {
                throw problem(key + ".url", "is missing", "give the receiver's full http:// or https:// address");
            }
            URI url;
            try {
                url = new URI(urlNode.asText().strip());
            } catch (URISyntaxException e) {
                throw problem(key + ".url", "is not a valid URL (" + e.getMessage() + ")",
                        "give the receiver's full http:// or https:// address, with special characters %-encoded");
            }
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
                throw problem(key + ".url", "'" + url.getScheme() + "://…' is not an http(s) URL with a host",
                        "give the receiver's full http:// or https:// address");
            }
            if (scheme.equals("http") && !isLoopback(url.getHost())) {
                log.warn("{}: stations.{}.url is plain http: alarm contents travel unencrypted to {}", source, station,
                        url.getHost());
            }
            byte[] secret = secret(key, node);
            WebhookTarget.BodyFormat format = WebhookTarget.BodyFormat.JSON;
            JsonNode formatNode = node.get("format");
            if (formatNode != null) {
                format = formatNode.isTextual() ? WebhookTarget.BodyFormat.fromYaml(formatNode.asText()) : null;
                if (format == null) {
                    throw problem(key + ".format", "unknown format '" + formatNode.asText() + "'",
                            "use 'json' (the alarm as JSON) or 'bot-text' (WeCom/DingTalk group bot text message)");
                }
            }
            return new WebhookTarget(station, url, secret, format);
        }

        private byte[] secret(String key, JsonNode node) {
            JsonNode literal = node.get("secret");
            JsonNode env = node.get("secret-env");
            if (literal != null && env != null) {
                throw problem(key + ".secret", "both secret and secret-env are given",
                        "keep only one: secret-env (recommended, keeps the secret out of the file) or secret");
            }
            if (literal == null && env == null) {
                throw problem(key, "has no secret",
                        "add 'secret-env: <ENVIRONMENT_VARIABLE>' naming a variable that holds at least "
                                + MIN_SECRET_BYTES + " random characters (e.g. from 'openssl rand -hex 32')");
            }
            String value;
            String where;
            if (env != null) {
                where = key + ".secret-env";
                if (!env.isTextual() || env.asText().isBlank()) {
                    throw problem(where, "must name an environment variable", "e.g. secret-env: TOCSIN_WEBHOOK_SECRET");
                }
                value = environment.apply(env.asText());
                if (value == null || value.isEmpty()) {
                    throw problem(where, "environment variable " + env.asText() + " is not set",
                            "export " + env.asText() + "=<at least " + MIN_SECRET_BYTES
                                    + " random characters> before starting, or correct the name");
                }
            } else {
                where = key + ".secret";
                if (!literal.isTextual() && !literal.isNumber()) {
                    throw problem(where, "must be a string", "put the secret in quotes");
                }
                value = literal.asText();
            }
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            if (bytes.length < MIN_SECRET_BYTES) {
                throw problem(where, "the secret is " + bytes.length + " bytes; at least " + MIN_SECRET_BYTES
                        + " are needed", "use a longer random secret, e.g. from 'openssl rand -hex 32'");
            }
            return bytes;
        }

        private Duration duration(JsonNode section, String name, Duration fallback) {
            JsonNode node = section.get(name);
            if (node == null) {
                return fallback;
            }
            Matcher m = DURATION.matcher(node.asText().strip());
            if (!node.isValueNode() || !m.matches()) {
                throw problem("delivery." + name, "'" + node.asText() + "' is not a duration",
                        "write a number with a unit: ms, s, m or h (e.g. 500ms, 10s, 15m)");
            }
            Duration d;
            try {
                long amount = Long.parseLong(m.group(1));
                d = switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    default -> Duration.ofHours(amount);
                };
            } catch (NumberFormatException | ArithmeticException e) { // more than a duration holds
                throw problem("delivery." + name, "'" + node.asText() + "' is too long a duration",
                        "write a number with a unit: ms, s, m or h (e.g. 500ms, 10s, 15m)");
            }
            if (d.isZero() && !name.equals("give-up-after")) {
                throw problem("delivery." + name, "must be more than zero", "give a positive duration, e.g. 1s");
            }
            return d;
        }

        private void checkKeys(JsonNode node, String prefix, Set<String> allowed) {
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!allowed.contains(name)) {
                    throw problem(prefix + name, "unknown key", "use one of " + allowed.stream().sorted().toList()
                            + " (check the spelling)");
                }
            }
        }

        private static boolean isLoopback(String host) {
            return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1");
        }

        private IllegalArgumentException problem(String key, String what, String fix) {
            return yaml.problem(key, what, fix);
        }
    }
}
