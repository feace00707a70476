package io.tocsin.ingest.auth;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Checks credentials against a {@link CredentialRegistry}, off the event loops: a PBKDF2 check takes a few hundred
 * milliseconds on purpose, and one on a Netty event loop would stall every connection of that loop.
 *
 * <p>After a successful check, a salted SHA-256 of the password is remembered per name, so that a device
 * reconnecting (after a network blip) costs one fast hash, not PBKDF2: ten thousand gateways reconnecting would
 * otherwise take tens of minutes of CPU. The trade-off: a heap dump of the server exposes fast hashes of recently
 * used passwords. The cache is in memory only, so after a restart every gateway pays its hash once: cheap for
 * generated secrets ({@link PasswordHash#generate()}), ~0.25 s each for chosen passwords at 600,000 iterations.
 */
public final class Authenticator implements AutoCloseable {

    public static final String CHECK_TIME = "tocsin.ingest.auth.check";

    /** Why a login failed; the CONNACK code follows from it. */
    public enum Failure {
        /** Unknown name or wrong password: MQTT 5 0x86, MQTT 3.1.1 0x04. */
        BAD_CREDENTIALS,
        /** No credentials at all, or a certificate naming nobody registered: MQTT 5 0x87, MQTT 3.1.1 0x05. */
        NOT_AUTHORIZED
    }

    /** The answer to a login: an identity, or a failure with a sentence for the log. */
    public record Result(Identity identity, Failure failure, String why) {
        static Result ok(Identity identity) {
            return new Result(identity, null, null);
        }

        static Result refused(Failure failure, String why) {
            return new Result(null, failure, why);
        }

        public boolean accepted() {
            return identity != null;
        }
    }

    private final CredentialRegistry registry;
    private final ExecutorService checks;
    private final Timer checkTime;
    private final byte[] cacheSalt = new byte[16];
    private final ConcurrentMap<String, byte[]> recentlyVerified = new ConcurrentHashMap<>();

    /** Checks on half the cores: a reconnection storm must leave the other half to the connected devices. */
    public Authenticator(CredentialRegistry registry, MeterRegistry meters) {
        this(registry, meters, Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    }

    Authenticator(CredentialRegistry registry, MeterRegistry meters, int checkThreads) {
        this.registry = Objects.requireNonNull(registry, "registry");
        new SecureRandom().nextBytes(cacheSalt);
        AtomicInteger threads = new AtomicInteger();
        this.checks = new ThreadPoolExecutor(checkThreads, checkThreads, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(),
                task -> {
                    Thread thread = new Thread(task, "tocsin-auth-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        this.checkTime = Timer.builder(CHECK_TIME).description("Time to check one password (PBKDF2 or cache)")
                .register(meters);
    }

    public CredentialRegistry registry() {
        return registry;
    }

    /**
     * Checks a password login. Completes on an authentication thread.
     *
     * @param password raw bytes of the MQTT password field (treated as UTF-8)
     */
    public CompletableFuture<Result> login(String userName, byte[] password) {
        if (userName == null || password == null) {
            return CompletableFuture.completedFuture(Result.refused(Failure.NOT_AUTHORIZED,
                    "no user name and password, and no client certificate"));
        }
        var entry = registry.find(userName);
        if (entry.isEmpty()) {
            return CompletableFuture.completedFuture(Result.refused(Failure.BAD_CREDENTIALS,
                    "unknown user name '" + userName + "'"));
        }
        if (entry.get().passwordHash().isEmpty()) {
            return CompletableFuture.completedFuture(Result.refused(Failure.BAD_CREDENTIALS,
                    "'" + userName + "' has no password in the registry: it must log in with its certificate"));
        }
        byte[] fast = fastHash(userName, password);
        byte[] known = recentlyVerified.get(userName);
        if (known != null && MessageDigest.isEqual(known, fast)) {
            return CompletableFuture.completedFuture(Result.ok(entry.get().identity()));
        }
        PasswordHash hash = entry.get().password();
        return CompletableFuture.supplyAsync(() -> {
            // Asked again: during a reconnection storm a gateway that timed out waiting in this queue connects
            // anew and queues a second check; the first one, done meanwhile, makes the second free.
            if (MessageDigest.isEqual(recentlyVerified.get(userName), fast)) {
                return Result.ok(entry.get().identity());
            }
            long start = System.nanoTime();
            char[] chars = decode(password);
            try {
                if (!hash.matches(chars)) {
                    return Result.refused(Failure.BAD_CREDENTIALS, "wrong password for '" + userName + "'");
                }
                recentlyVerified.put(userName, fast);
                return Result.ok(entry.get().identity());
            } finally {
                Arrays.fill(chars, '\0');
                checkTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
        }, checks);
    }

    /** A login by TLS client certificate (already verified by the TLS handshake against the trusted CA). */
    public Result certificateLogin(String commonName) {
        return registry.find(commonName).map(entry -> Result.ok(entry.identity()))
                .orElseGet(() -> Result.refused(Failure.NOT_AUTHORIZED,
                        "client certificate CN '" + commonName + "' is not in the credential registry"));
    }

    private byte[] fastHash(String userName, byte[] password) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(cacheSalt);
            sha.update(userName.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            return sha.digest(password);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static char[] decode(byte[] password) {
        CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(password));
        char[] result = new char[chars.remaining()];
        chars.get(result);
        return result;
    }

    @Override
    public void close() {
        checks.shutdownNow();
    }
}
