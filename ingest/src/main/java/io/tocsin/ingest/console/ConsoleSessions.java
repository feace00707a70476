package io.tocsin.ingest.console;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Logged-in consoles: a random token (the session cookie) per login, valid for the session lifetime. In memory
 * only: after a restart of the server every console logs in again (the page shows its login form).
 */
final class ConsoleSessions {

    /** Logins kept at most; the oldest are forgotten first (a flood of logins must not exhaust memory). */
    static final int MAX_SESSIONS = 10_000;

    private record Session(Viewer viewer, long expiresAtMs) {
    }

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Session> byToken = new ConcurrentHashMap<>();
    private final Duration lifetime;
    private final Clock clock;

    ConsoleSessions(Duration lifetime, Clock clock) {
        this.lifetime = lifetime;
        this.clock = clock;
    }

    String open(Viewer viewer) {
        long now = clock.millis();
        if (byToken.size() >= MAX_SESSIONS) {
            byToken.values().removeIf(s -> s.expiresAtMs() <= now);
            if (byToken.size() >= MAX_SESSIONS) {
                byToken.entrySet().stream().min(Map.Entry.comparingByValue(
                                java.util.Comparator.comparingLong(Session::expiresAtMs)))
                        .ifPresent(oldest -> byToken.remove(oldest.getKey()));
            }
        }
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        byToken.put(token, new Session(viewer, now + lifetime.toMillis()));
        return token;
    }

    Optional<Viewer> find(String token) {
        if (token == null) {
            return Optional.empty();
        }
        Session session = byToken.get(token);
        if (session == null) {
            return Optional.empty();
        }
        if (session.expiresAtMs() <= clock.millis()) {
            byToken.remove(token);
            return Optional.empty();
        }
        return Optional.of(session.viewer());
    }

    void close(String token) {
        if (token != null) {
            byToken.remove(token);
        }
    }

    long lifetimeSeconds() {
        return lifetime.toSeconds();
    }
}
