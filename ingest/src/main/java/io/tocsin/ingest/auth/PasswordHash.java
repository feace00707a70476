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
 * {@code pbkdf2-sha256:<iterations>:<salt base64>:<hash base64>}.
 *
 * <p>PBKDF2-HMAC-SHA256 from the JDK, so nothing but the JDK is needed to check a password. The default iteration
 * count follows OWASP's 2023 advice for PBKDF2-SHA256 (600,000): a stolen registry file costs an attacker that
 * many HMACs per guess. Checking is therefore slow (~0.3 s here) and is never done on a Netty event loop.
 *
 * <p>The derived key doubles as the device's DTLS pre-shared key for CoAP (see {@link #dtlsKey()}): DTLS-PSK needs
 * the key itself on the server, so whoever reads the registry file can impersonate devices over CoAP (not over
 * MQTT, which needs the password). Keep the file readable by the ingest service only.
 */
public final class PasswordHash {

    public static final String SCHEME = "pbkdf2-sha256";
    public static final int DEFAULT_ITERATIONS = 600_000;
    /** Below this a hash is refused at start-up: a fast hash in the registry is a configuration mistake. */
    public static final int MIN_ITERATIONS = 100_000;

    private static final int SALT_BYTES = 16;
    private static final int KEY_BITS = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    private PasswordHash(int iterations, byte[] salt, byte[] hash) {
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
        return new PasswordHash(iterations, salt, derive(password, salt, iterations));
    }

    /**
     * Parses the stored form.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    public static PasswordHash parse(String stored) {
        Objects.requireNonNull(stored, "stored");
        String[] parts = stored.split(":", -1);
        if (parts.length != 4 || !parts[0].equals(SCHEME)) {
            throw new IllegalArgumentException("expected " + SCHEME + ":<iterations>:<salt>:<hash>");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("iterations is not a number: '" + parts[1] + "'");
        }
        if (iterations < MIN_ITERATIONS) {
            throw new IllegalArgumentException("iterations " + iterations + " below the minimum " + MIN_ITERATIONS);
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
        return new PasswordHash(iterations, salt, hash);
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

    /** The stored form, for the registry file. */
    @Override
    public String toString() {
        return SCHEME + ":" + iterations + ":" + Base64.getEncoder().encodeToString(salt) + ":"
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
        return other instanceof PasswordHash that && iterations == that.iterations
                && Arrays.equals(salt, that.salt) && Arrays.equals(hash, that.hash);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hash);
    }
}
