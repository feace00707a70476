package io.tocsin.ingest.notify;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * Where one station's alarm notifications go: an http(s) URL, the shared secret that signs every request, and the
 * body format the receiver understands.
 */
public final class WebhookTarget {

    /** What the POST body looks like. */
    public enum BodyFormat {
        /** The alarm as JSON (schema in {@link AlarmPayloads}): for SMS gateways and integrators' systems. */
        JSON("json"),
        /**
         * {@code {"msgtype":"text","text":{"content":"..."}}}: the text message of WeCom and DingTalk group bots, one
         * readable line per alarm event.
         */
        BOT_TEXT("bot-text");

        private final String yamlName;

        BodyFormat(String yamlName) {
            this.yamlName = yamlName;
        }

        /** The spelling in the webhooks file. */
        public String yamlName() {
            return yamlName;
        }

        static BodyFormat fromYaml(String name) {
            for (BodyFormat f : values()) {
                if (f.yamlName.equals(name.toLowerCase(Locale.ROOT))) {
                    return f;
                }
            }
            return null;
        }
    }

    private final String stationId;
    private final URI url;
    private final byte[] secret;
    private final BodyFormat format;

    public WebhookTarget(String stationId, URI url, byte[] secret, BodyFormat format) {
        this.stationId = Objects.requireNonNull(stationId, "stationId");
        this.url = Objects.requireNonNull(url, "url");
        this.secret = Objects.requireNonNull(secret, "secret").clone();
        this.format = Objects.requireNonNull(format, "format");
    }

    public WebhookTarget(String stationId, URI url, String secret, BodyFormat format) {
        this(stationId, url, secret.getBytes(StandardCharsets.UTF_8), format);
    }

    public String stationId() {
        return stationId;
    }

    public URI url() {
        return url;
    }

    byte[] secret() {
        return secret;
    }

    public BodyFormat format() {
        return format;
    }

    /**
     * The URL without its query and user info, for logs and dead letters: bot URLs carry their access key in the
     * query ({@code ?key=...}, {@code ?access_token=...}).
     */
    public String redactedUrl() {
        String port = url.getPort() < 0 ? "" : ":" + url.getPort();
        return url.getScheme() + "://" + url.getHost() + port + (url.getRawPath() == null ? "" : url.getRawPath())
                + (url.getRawQuery() == null ? "" : "?…");
    }

    @Override
    public String toString() {
        return "WebhookTarget[" + stationId + " -> " + redactedUrl() + ", " + format.yamlName() + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WebhookTarget t && stationId.equals(t.stationId) && url.equals(t.url)
                && Arrays.equals(secret, t.secret) && format == t.format;
    }

    @Override
    public int hashCode() {
        return Objects.hash(stationId, url, format);
    }
}
