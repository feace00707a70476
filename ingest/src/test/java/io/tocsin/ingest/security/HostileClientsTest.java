package io.tocsin.ingest.security;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.tocsin.ingest.auth.CredentialRegistry;
import io.tocsin.ingest.auth.Identity;
import io.tocsin.ingest.auth.PasswordHash;
import io.tocsin.ingest.coap.CoapIngestEndpoint;
import io.tocsin.ingest.coap.CoapSettings;
import io.tocsin.ingest.mqtt.ProtocolVersionGate;
import io.tocsin.ingest.support.Batches;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.ingest.support.V5Client;
import io.tocsin.ingest.tls.ClientCertificateHandler;
import io.tocsin.ingest.tls.TlsSettings;
import io.tocsin.proto.MqttTopics;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The hostile clients of issue 8 that auth/SecurityTest and coap/SecureCoapTest do not already cover, each refused
 * with the right reason and counted, against the real server with real clients (Paho, a raw socket, Californium's
 * Scandium DTLS client). Already covered there: wrong password and unknown user (SecurityTest
 * unknownUserOrWrongPasswordGetsBadUserNameOrPassword), a device publishing under another device
 * (aDevicePublishesItsOwnTelemetryOnlyAndSubscribesToNoAlarms), a station subscribing to another station's site
 * (aStationSubscribesToTheAlarmsOfItsOwnSitesOnly), an unregistered CN (aCertificateOfSomeoneUnregisteredIsNotAuthorized),
 * plain CoAP and another device's CoAP path (SecureCoapTest).
 */
class HostileClientsTest {

    private static final String SITE = "park-north";
    private static final String DEVICE_PASSWORD = "gw-01 secret";
    private static final PasswordHash DEVICE_HASH = PasswordHash.create(DEVICE_PASSWORD.toCharArray(),
            PasswordHash.MIN_ITERATIONS);

    private static CertificateAuthority trustedCa;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        trustedCa = new CertificateAuthority("Tocsin Trusted Test CA");
        CertificateAuthority.Issued serverCert = trustedCa.server();
        CredentialRegistry registry = CredentialRegistry.of(Map.of(
                "gw-01", new CredentialRegistry.Entry(Identity.device("gw-01", SITE, "gw-01"), DEVICE_HASH),
                "gw-cert", new CredentialRegistry.Entry(Identity.device("gw-cert", SITE, "gw-cert"), null)));
        var sslContext = SslContextBuilder.forServer(serverCert.key(), serverCert.certificate(), serverCert.issuer())
                .sslProvider(SslProvider.JDK)
                .trustManager(trustedCa.certificate())
                .clientAuth(ClientAuth.OPTIONAL)
                .build();
        server = TestServer.startWith(builder -> builder.credentials(registry)
                .tls(new TlsSettings(0, sslContext, true))
                .coap(CoapSettings.defaults().withBindHost("127.0.0.1").withPorts(0, 0)));
        server.writer.completeImmediately();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aConnectWithoutCredentialsIsNotAuthorizedAndCounted() {
        double before = refused("not_authorized");
        assertThatThrownBy(() -> V5Client.connect(server.uri(), "anonymous"))
                .isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode()).isEqualTo(0x87));
        assertThat(refused("not_authorized")).isEqualTo(before + 1);
    }

    @Test
    void plainMqttToTheTlsPortIsClosedAndCountedAsAFailedHandshake() throws Exception {
        double before = handshakeFailures();
        try (Socket plain = new Socket("127.0.0.1", server.server.tlsPort())) {
            plain.setSoTimeout(30_000); // generous: only a server that never closes waits this long
            plain.getOutputStream().write(RawMqttClient.connectV5("plain-on-tls", 30));
            plain.getOutputStream().flush();
            assertThat(closedByServer(plain)).as("server closes a connection that does not speak TLS").isTrue();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> handshakeFailures() == before + 1);
        assertThat(server.writer.appends()).isEmpty();
    }

    @Test
    void anExpiredClientCertificateIsRefusedAndCounted() throws Exception {
        CertificateAuthority.Issued expired = trustedCa.client("gw-cert",
                Instant.now().minus(30, ChronoUnit.DAYS), Instant.now().minus(1, ChronoUnit.DAYS));
        assertRefusedOverTls(expired);
    }

    @Test
    void aCertificateFromAForeignCaIsRefusedAndCounted() throws Exception {
        // Same CN as a registered device: only the signature tells it apart.
        CertificateAuthority.Issued foreign = new CertificateAuthority("Somebody Else's CA").client("gw-cert");
        assertRefusedOverTls(foreign);
    }

    @Test
    void aWrongDtlsKeyGetsNoAnswerAndIsCounted() throws Exception {
        var coap = server.server.coap().orElseThrow();
        double before = dtlsFailures();
        Configuration config = Configuration.createStandardWithoutFile();
        DtlsConnectorConfig dtls = DtlsConnectorConfig.builder(config)
                .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY)
                .set(DtlsConfig.DTLS_MAX_RETRANSMISSIONS, 1)
                .setAdvancedPskStore(new AdvancedSinglePskStore("gw-01",
                        "not the key of gw-01".getBytes(StandardCharsets.US_ASCII)))
                .build();
        CoapClient client = new CoapClient("coaps://127.0.0.1:" + coap.dtlsPort() + "/telemetry/" + SITE + "/gw-01")
                .setTimeout(5_000L);
        client.setEndpoint(new CoapEndpoint.Builder().setConfiguration(config)
                .setConnector(new DTLSConnector(dtls)).build());
        try {
            CoapResponse response = client.post(Batches.bytes(SITE, "gw-01", 1),
                    MediaTypeRegistry.APPLICATION_OCTET_STREAM);
            assertThat(response).as("no CoAP answer without a DTLS session").isNull();
        } catch (org.eclipse.californium.elements.exception.ConnectorException handshakeFailed) {
            // Scandium reports the failed handshake to the client: equally refused.
        } finally {
            client.shutdown();
        }
        // A wrong key shows as the client's Finished failing its MAC check: dropped (DTLS does not answer it), and
        // the handshake fails when it times out.
        await().atMost(Duration.ofSeconds(30)).until(() -> dtlsFailures() > before);
        assertThat(server.writer.appends()).isEmpty();
    }

    /** A TLS client presenting {@code certificate} never gets a session: handshake failure, counted. */
    private static void assertRefusedOverTls(CertificateAuthority.Issued certificate) {
        double before = handshakeFailures();
        String uri = "ssl://127.0.0.1:" + server.server.tlsPort();
        assertThatThrownBy(() -> V5Client.connect(uri, "gw-cert", o -> {
            try {
                o.setSocketFactory(certificate.clientSocketFactory(trustedCa.certificate()));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            o.setHttpsHostnameVerificationEnabled(false);
        })).isInstanceOf(MqttException.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> handshakeFailures() == before + 1);
        assertThat(server.server.clients().size()).isZero();
        assertThat(server.writer.appends()).isEmpty();
    }

    private static boolean closedByServer(Socket socket) throws java.io.IOException {
        try {
            return socket.getInputStream().read() == -1;
        } catch (java.net.SocketException reset) {
            return true;
        }
    }

    private static double dtlsFailures() {
        return server.count(CoapIngestEndpoint.DTLS_HANDSHAKE_FAILURES)
                + server.count(CoapIngestEndpoint.DTLS_RECORDS_DROPPED);
    }

    private static double handshakeFailures() {
        return server.count(ClientCertificateHandler.HANDSHAKE_FAILURES);
    }

    private static double refused(String reason) {
        return server.count(ProtocolVersionGate.CONNECT_REFUSED, "reason", reason);
    }
}
