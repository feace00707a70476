package io.tocsin.ingest.auth;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The credential check itself: what a gateway's login costs, cold and warm. */
class AuthenticatorTest {

    private static final String PASSWORD = "chosen by a person";

    @Test
    void aGatewayThatConnectsTwiceWhileItsFirstCheckIsQueuedPaysForOneCheck() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        CredentialRegistry registry = CredentialRegistry.of(Map.of(
                "gw-01", new CredentialRegistry.Entry(Identity.device("gw-01", "park", "gw-01"),
                        PasswordHash.create(PASSWORD.toCharArray(), PasswordHash.MIN_ITERATIONS)),
                "gw-02", new CredentialRegistry.Entry(Identity.device("gw-02", "park", "gw-02"),
                        PasswordHash.create(PASSWORD.toCharArray(), PasswordHash.MIN_ITERATIONS))));
        // One check thread: gw-02's check holds it while gw-01 asks twice (a timed-out first attempt, a retry).
        try (Authenticator authenticator = new Authenticator(registry, meters, 1)) {
            byte[] password = PASSWORD.getBytes(StandardCharsets.UTF_8);
            CompletableFuture<Authenticator.Result> other = authenticator.login("gw-02", password);
            CompletableFuture<Authenticator.Result> first = authenticator.login("gw-01", password);
            CompletableFuture<Authenticator.Result> retry = authenticator.login("gw-01", password);

            assertThat(CompletableFuture.allOf(other, first, retry).get(60, TimeUnit.SECONDS)).isNull();
            assertThat(first.get().accepted()).isTrue();
            assertThat(retry.get().accepted()).isTrue();
            assertThat(other.get().accepted()).isTrue();
            // Two PBKDF2 checks (gw-02, gw-01 once), not three.
            assertThat(meters.get(Authenticator.CHECK_TIME).timer().count()).isEqualTo(2);
        }
    }

    @Test
    void aWrongPasswordIsCheckedEveryTimeAndNeverRemembered() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        PasswordHash.GeneratedSecret secret = PasswordHash.generate();
        CredentialRegistry registry = CredentialRegistry.of(Map.of("gw-01", new CredentialRegistry.Entry(
                Identity.device("gw-01", "park", "gw-01"), secret.hash())));
        try (Authenticator authenticator = new Authenticator(registry, meters, 1)) {
            byte[] wrong = (secret.secret() + "x").getBytes(StandardCharsets.UTF_8);
            assertThat(authenticator.login("gw-01", wrong).get(10, TimeUnit.SECONDS).failure())
                    .isEqualTo(Authenticator.Failure.BAD_CREDENTIALS);
            assertThat(authenticator.login("gw-01", wrong).get(10, TimeUnit.SECONDS).accepted()).isFalse();
            byte[] right = secret.secret().getBytes(StandardCharsets.UTF_8);
            assertThat(authenticator.login("gw-01", right).get(10, TimeUnit.SECONDS).identity())
                    .isEqualTo(Identity.device("gw-01", "park", "gw-01"));
            assertThat(authenticator.login("gw-01", right).get(10, TimeUnit.SECONDS).accepted()).isTrue();
            // Wrong twice, right once: three checks; the second right login came from the cache.
            assertThat(meters.get(Authenticator.CHECK_TIME).timer().count()).isEqualTo(3);
        }
    }
}
