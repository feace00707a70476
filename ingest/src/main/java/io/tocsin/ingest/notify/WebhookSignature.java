package io.tocsin.ingest.notify;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature on every webhook request, in the style of Stripe's: header
 * {@value #HEADER}{@code : t=<unix seconds>,v1=<hex>} where {@code <hex>} is the lowercase hex HMAC-SHA256, keyed
 * with the station's secret, of the ASCII timestamp, a full stop, and the raw request body bytes
 * ({@code t + "." + body}).
 *
 * <p>How a receiver verifies a request:
 * <ol>
 *   <li>Read the raw body bytes before any JSON parsing (re-serialised JSON does not match).</li>
 *   <li>Split the {@value #HEADER} header on {@code ,}; take {@code t} and every {@code v1} value.</li>
 *   <li>Compute HMAC-SHA256(secret, t + "." + body) and hex-encode it in lowercase.</li>
 *   <li>Compare it with each {@code v1} in constant time; accept if one matches.</li>
 *   <li>Reject if {@code t} is more than 5 minutes away from your clock (replays of an old request).</li>
 *   <li>Use the {@value #DELIVERY_ID_HEADER} header to drop a request you already processed: a request whose
 *       response was lost is sent again.</li>
 * </ol>
 * A new signature is computed for every attempt, so a retry carries a fresh {@code t}.
 */
public final class WebhookSignature {

    /** The signature header. */
    public static final String HEADER = "Tocsin-Signature";
    /** Identifies one alarm event for one station: the same on every retry of it. */
    public static final String DELIVERY_ID_HEADER = "Tocsin-Delivery-Id";
    /** How far a receiver should accept a timestamp from its own clock. */
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

    private static final String ALGORITHM = "HmacSHA256";

    private WebhookSignature() {
    }

    /** The header value for a request sent at {@code epochSeconds}. */
    public static String headerValue(byte[] secret, long epochSeconds, byte[] body) {
        return "t=" + epochSeconds + ",v1=" + HexFormat.of().formatHex(hmac(secret, epochSeconds, body));
    }

    /**
     * The receiver's check, for Java receivers and tests: true if the header carries a valid signature of
     * {@code body} and its timestamp is within {@code tolerance} of {@code now}.
     */
    public static boolean verify(byte[] secret, String header, byte[] body, Instant now, Duration tolerance) {
        if (header == null) {
            return false;
        }
        Long t = null;
        java.util.List<String> candidates = new java.util.ArrayList<>();
        for (String part : header.split(",")) {
            String[] kv = part.strip().split("=", 2);
            if (kv.length != 2) {
                continue;
            }
            if (kv[0].equals("t")) {
                try {
                    t = Long.parseLong(kv[1]);
                } catch (NumberFormatException e) {
                    return false;
                }
            } else if (kv[0].equals("v1")) {
                candidates.add(kv[1]);
            }
        }
        if (t == null || Math.abs(now.getEpochSecond() - t) > tolerance.toSeconds()) {
            return false;
        }
        byte[] expected = HexFormat.of().formatHex(hmac(secret, t, body)).getBytes(StandardCharsets.US_ASCII);
        boolean ok = false;
        for (String candidate : candidates) {
            ok |= MessageDigest.isEqual(expected, candidate.getBytes(StandardCharsets.US_ASCII));
        }
        return ok;
    }

    private static byte[] hmac(byte[] secret, long epochSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret, ALGORITHM));
            mac.update((epochSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
