package io.tocsin.ingest.auth;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A salted, slow password hash as stored in the credential registry:
 * {@code pbkdf2-sha256:<iterations>:<salt base64>:<hash base64>} for a password someone chose, or
 * {@code pbkdf2-sha256-generated:<iterations>:<salt base64>:<hash base64>} for a secret this class generated.
 *
 * <p>PBKDF2-HMAC-SHA256 from the JDK, so nothing but the JDK is needed to check a password. The default iteration
 * count for chosen passwords follows OWASP's 2023 advice for PBKDF2-SHA256 (600,000): a stolen registry file costs
 * an attacker that many HMACs per guess. Checking is therefore slow (~0.25 s here) and is never done on a Netty
 * event loop.
 *
 * <p>Generated secrets ({@link #generate()}, 256 random bits) are hashed with {@link #GENERATED_ITERATIONS}
 * (1,000, NIST SP 800-132's minimum) instead. Iterations only slow down guessing, and a 256-bit random secret cannot
 * be guessed at any hash speed; what the count costs, though, is paid again by every gateway after an ingest
 * restart, when the server's cache of verified logins is empty: 10,000 gateways at 600,000 iterations are ~40 minutes
 * of one core, minutes during which alarms of the sites not yet back wait on their gateways. At 1,000 iterations it
 * is seconds (measured by the ingest bench's {@code ReconnectStormBench}). The scheme name says the secret was
 * generated, so a chosen password never gets the low count by accident: {@link #create} refuses it.
 *
 * <p>The derived key doubles as the device's DTLS pre-shared key for CoAP (see {@link #dtlsKey()}): DTLS-PSK needs
 * the key itself on the server, so whoever reads the registry file can impersonate devices over CoAP (not over
 * MQTT, which needs the password). Keep the file readable by the ingest service only.
 */
public final class PasswordHash {

    public static final String SCHEME = "pbkdf2-sha256";
    /** Scheme of a hash of a secret made by {@link #generate()}. */
    public static final String GENERATED_SCHEME = "pbkdf2-sha256-generated";
    public static final int DEFAULT_ITERATIONS = 600_000;
    /**
     * Below this a hash of a chosen password is refused at start-up: a fast hash of a password someone chose is a
     * configuration mistake.
     */
    public static final int MIN_ITERATIONS = 100_000;
    /** Iterations of a generated secret's hash, and the least accepted for one (NIST SP 800-132's minimum). */
    public static final int GENERATED_ITERATIONS = 1_000;

    private static final int SECRET_BYTES = 32;

    private static final int SALT_BYTES = 16;
    private static final int KEY_BITS = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final boolean generated;
    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    /** A secret made by {@link #generate()}: give {@code secret} to the device once, store {@code hash}. */
    public record GeneratedSecret(String secret, PasswordHash hash) {
    }

    private PasswordHash(boolean generated, int iterations, byte[] salt, byte[] hash) {
        this.generated = generated;
        this.iterations = iterations;
        this.salt = salt;
        this.hash = hash;
    }

    /** Hashes a new password with a fresh random salt. */
    public static PasswordHash create(char[] password, int iterations) {
        if (iterations < MIN_ITERATIONS) {
            throw new IllegalArgumentException("at least " + MIN_ITERATIONS + " iterations: " + iterations);
        }
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return new PasswordHash(false, iterations, salt, derive(password, salt, iterations));
    }

    /**
     * A new random secret of 256 bits (43 characters, URL-safe base64, no padding: fits any MQTT client's password
     * field and a shell argument) and its hash at {@link #GENERATED_ITERATIONS}.
     */
    public static GeneratedSecret generate() {
        byte[] random = new byte[SECRET_BYTES];
        RANDOM.nextBytes(random);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Arrays.fill(random, (byte) 0);
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        char[] chars = secret.toCharArray();
        try {
            return new GeneratedSecret(secret, new PasswordHash(true, GENERATED_ITERATIONS, salt,
                    derive(chars, salt, GENERATED_ITERATIONS)));
        } finally {
            Arrays.fill(chars, '\0');
        }
    }

    /**
     * Parses the stored form.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static PasswordHash parse(String stored) {
        Objects.requireNonNull(stored, "stored");
        String[] parts = stored.split(":", -1);
        if (parts.length != 4 || !(parts[0].equals(SCHEME) || parts[0].equals(GENERATED_SCHEME))) {
            throw new IllegalArgumentException("expected " + SCHEME + ":<iterations>:<salt>:<hash> (or "
                    + GENERATED_SCHEME + ":... for a generated secret)");
        }
        boolean generated = parts[0].equals(GENERATED_SCHEME);
        int minimum = generated ? GENERATED_ITERATIONS : MIN_ITERATIONS;
        int iterations;
        try {
            iterations = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("iterations is not a number: '" + parts[1] + "'");
        }
        if (iterations < minimum) {
            throw new IllegalArgumentException("iterations " + iterations + " below the minimum " + minimum
                    + " of " + parts[0]);
        }
        byte[] salt;
        byte[] hash;
        try {
            salt = Base64.getDecoder().decode(parts[2]);
            hash = Base64.getDecoder().decode(parts[3]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("salt or hash is not base64: " + e.getMessage());
        }
        if (salt.length < 8 || hash.length != KEY_BITS / 8) {
            throw new IllegalArgumentException("salt must be >= 8 bytes and hash " + KEY_BITS / 8 + " bytes");
        }
        return new PasswordHash(generated, iterations, salt, hash);
    }

    /** Whether the password is the one hashed; constant time in the comparison. Slow on purpose. */
    public boolean matches(char[] password) {
        return MessageDigest.isEqual(hash, derive(password, salt, iterations));
    }

    /**
     * The DTLS pre-shared key of the holder of this password: the hex text of the derived key, used as bytes
     * (ASCII), so that any DTLS client can be given it as a plain string (e.g. {@code coap-client-openssl -k}).
     */
    public byte[] dtlsKey() {
        return HexFormat.of().formatHex(hash).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    public int iterations() {
        return iterations;
    }

    /** Whether this hashes a secret made by {@link #generate()} rather than a chosen password. */
    public boolean generated() {
        return generated;
    }

    /** The stored form, for the registry file. */
    @Override
    public String toString() {
        return (generated ? GENERATED_SCHEME : SCHEME) + ":" + iterations + ":" + Base64.getEncoder().encodeToString(salt) + ":"
                + Base64.getEncoder().encodeToString(hash);
    }

    private static byte[] derive(char[] password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, KEY_BITS);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 missing from the JDK", e);
        } finally {
            spec.clearPassword();
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PasswordHash that && generated == that.generated && iterations == that.iterations
                && Arrays.equals(salt, that.salt) && Arrays.equals(hash, that.hash);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hash);
    }
}
