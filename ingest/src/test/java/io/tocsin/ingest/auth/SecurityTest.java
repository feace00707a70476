package io.tocsin.ingest.auth;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.tocsin.ingest.mqtt.ProtocolVersionGate;
import io.tocsin.ingest.pubsub.SubscribeHandler;
import io.tocsin.ingest.mqtt.PublishValidationHandler;
import io.tocsin.ingest.support.Batches;
import io.tocsin.ingest.support.TestCertificates;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.ingest.support.V3Client;
import io.tocsin.ingest.support.V5Client;
import io.tocsin.ingest.tls.TlsSettings;
import io.tocsin.proto.MqttTopics;
import org.eclipse.paho.client.mqttv3.MqttSecurityException;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Credentials, the topic ACL, TLS and mutual TLS, against real Paho clients over real sockets. */
class SecurityTest {

    private static final String SITE = "park-north";
    private static final String OTHER_SITE = "park-south";
    private static final String DEVICE_PASSWORD = "gw-01 secret";
    private static final String STATION_PASSWORD = "station secret";
    private static final PasswordHash.GeneratedSecret GENERATED = PasswordHash.generate();

    private static TestCertificates certificates;
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        certificates = new TestCertificates();
        TestCertificates.Issued serverCert = certificates.server();
        CredentialRegistry registry = CredentialRegistry.of(Map.of(
                "gw-01", new CredentialRegistry.Entry(Identity.device("gw-01", SITE, "gw-01"),
                        PasswordHash.create(DEVICE_PASSWORD.toCharArray(), PasswordHash.MIN_ITERATIONS)),
                "gw-cert", new CredentialRegistry.Entry(Identity.device("gw-cert", SITE, "gw-cert"), null),
                "gw-gen", new CredentialRegistry.Entry(Identity.device("gw-gen", SITE, "gw-gen"), GENERATED.hash()),
                "station-7", new CredentialRegistry.Entry(Identity.station("station-7", Set.of(SITE)),
                        PasswordHash.create(STATION_PASSWORD.toCharArray(), PasswordHash.MIN_ITERATIONS))));
        var sslContext = SslContextBuilder.forServer(serverCert.key(), serverCert.certificate(), serverCert.issuer())
                .sslProvider(SslProvider.JDK)
                .trustManager(certificates.ca())
                .clientAuth(ClientAuth.OPTIONAL)
                .build();
        server = TestServer.startWith(builder -> builder.credentials(registry)
                .tls(new TlsSettings(0, sslContext, true)));
        server.writer.completeImmediately();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void unknownUserOrWrongPasswordGetsBadUserNameOrPassword() {
        double before = server.count(ProtocolVersionGate.CONNECT_REFUSED, "reason", "bad_credentials");
        assertThatThrownBy(() -> V5Client.connect(server.uri(), "intruder", o -> login(o, "nobody", "x")))
                .isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode()).isEqualTo(0x86));
        assertThatThrownBy(() -> V5Client.connect(server.uri(), "gw-01", o -> login(o, "gw-01", "wrong")))
                .isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode()).isEqualTo(0x86));
        assertThatThrownBy(() -> V3Client.connect(server.uri(), "gw-01", o -> {
            o.setUserName("gw-01");
            o.setPassword("wrong".toCharArray());
        })).isInstanceOfSatisfying(MqttSecurityException.class, e -> assertThat(e.getReasonCode()).isEqualTo(4));
        assertThat(server.count(ProtocolVersionGate.CONNECT_REFUSED, "reason", "bad_credentials"))
                .isEqualTo(before + 3);
    }

    @Test
    void aGatewayWithAGeneratedSecretLogsInWithItAndWithNothingElse() throws Exception {
        try (V5Client device = V5Client.connect(server.uri(), "gw-gen",
                o -> login(o, "gw-gen", GENERATED.secret()))) {
            assertThat(device.publishAndWait(MqttTopics.telemetry(SITE, "gw-gen"), Batches.bytes(SITE, "gw-gen", 1), 1)
                    .getReasonCodes()).containsExactly(0x00);
        }
        assertThatThrownBy(() -> V5Client.connect(server.uri(), "gw-gen",
                o -> login(o, "gw-gen", GENERATED.secret().toUpperCase(java.util.Locale.ROOT))))
                .isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode()).isEqualTo(0x86));
        assertThatThrownBy(() -> V5Client.connect(server.uri(), "gw-gen", o -> login(o, "gw-gen", DEVICE_PASSWORD)))
                .isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode()).isEqualTo(0x86));
    }

    @Test
    void noCredentialsAtAllIsNotAuthorized() {
        assertThatThrownBy(() -> V5Client.connect(server.uri(), "anonymous"))
                .isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode()).isEqualTo(0x87));
        assertThatThrownBy(() -> V3Client.connect(server.uri(), "anonymous"))
                .isInstanceOfSatisfying(MqttSecurityException.class, e -> assertThat(e.getReasonCode()).isEqualTo(5));
    }

    @Test
    void aDevicePublishesItsOwnTelemetryOnlyAndSubscribesToNoAlarms() throws Exception {
        double refusedBefore = server.count(PublishValidationHandler.PUBLISH_REFUSED, "reason", "not_authorized");
        try (V5Client device = V5Client.connect(server.uri(), "gw-01", o -> login(o, "gw-01", DEVICE_PASSWORD))) {
            IMqttToken own = device.publishAndWait(MqttTopics.telemetry(SITE, "gw-01"), Batches.bytes(SITE, "gw-01", 1), 1);
            assertThat(own.getReasonCodes()).containsExactly(0x00);

            IMqttToken other = device.publishAndWait(MqttTopics.telemetry(SITE, "gw-02"),
                    Batches.bytes(SITE, "gw-02", 1), 1);
            assertThat(other.getReasonCodes()).containsExactly(0x87);
            assertThat(server.count(PublishValidationHandler.PUBLISH_REFUSED, "reason", "not_authorized"))
                    .isEqualTo(refusedBefore + 1);

            IMqttToken alarms = device.subscribe(MqttTopics.alarms(SITE), 1);
            assertThat(alarms.getReasonCodes()).containsExactly(0x87);
            assertThat(device.isConnected()).isTrue();
        }
        assertThat(server.writer.appends()).extracting(a -> a.address().deviceId()).doesNotContain("gw-02");
    }

    @Test
    void aStationSubscribesToTheAlarmsOfItsOwnSitesOnly() throws Exception {
        try (V5Client station = V5Client.connect(server.uri(), "console-7",
                o -> login(o, "station-7", STATION_PASSWORD))) {
            assertThat(station.subscribe(MqttTopics.alarms(SITE), 1).getReasonCodes()).containsExactly(0x01);
            assertThat(station.subscribe(MqttTopics.alarms(OTHER_SITE), 1).getReasonCodes()).containsExactly(0x87);
            assertThat(station.subscribe(MqttTopics.ALL_ALARMS, 1).getReasonCodes()).containsExactly(0x87);
            assertThat(station.subscribe("#", 1).getReasonCodes()).containsExactly(0x87);
            assertThat(station.subscribe("tocsin/+/alarms/" + OTHER_SITE, 1).getReasonCodes()).containsExactly(0x87);
            assertThat(station.subscribe("+/v1/alarms/" + OTHER_SITE + "/#", 1).getReasonCodes())
                    .containsExactly(0x87);
            assertThat(station.subscribe("tocsin/+/alarms/" + SITE, 1).getReasonCodes()).containsExactly(0x01);
            assertThat(station.subscribe("$share/room/" + MqttTopics.alarms(OTHER_SITE), 1).getReasonCodes())
                    .containsExactly(0x87);
            assertThat(station.subscribe("consoles/station-7/chat", 1).getReasonCodes()).containsExactly(0x01);

            server.server.publish(MqttTopics.alarms(SITE), "fire".getBytes(StandardCharsets.UTF_8),
                    io.netty.handler.codec.mqtt.MqttQoS.AT_LEAST_ONCE);
            assertThat(station.awaitMessage().text()).isEqualTo("fire");
        }
        assertThat(server.count(SubscribeHandler.SUBSCRIBE_REFUSED, "reason", "not_authorized")).isGreaterThanOrEqualTo(4);
    }

    @Test
    void mqtt311StationGetsSubscriptionFailureForAnotherSite() throws Exception {
        try (V3Client station = V3Client.connect(server.uri(), "console-7b", o -> {
            o.setUserName("station-7");
            o.setPassword(STATION_PASSWORD.toCharArray());
        })) {
            org.eclipse.paho.client.mqttv3.IMqttToken token = station.paho().subscribe(new String[] {
                MqttTopics.alarms(SITE), MqttTopics.alarms(OTHER_SITE)}, new int[] {1, 1});
            token.waitForCompletion(V3Client.TIMEOUT_MS);
            int[] granted = token.getGrantedQos();
            // Paho 3 reports the granted QoS per filter; 0x80 is the 3.1.1 failure code.
            assertThat(granted).containsExactly(1, 0x80);
        }
    }

    @Test
    void tlsListenerWithPassword() throws Exception {
        String uri = "ssl://127.0.0.1:" + server.server.tlsPort();
        try (V5Client device = V5Client.connect(uri, "gw-01-tls", o -> {
            login(o, "gw-01", DEVICE_PASSWORD);
            o.setSocketFactory(trusting());
            o.setHttpsHostnameVerificationEnabled(false);
        })) {
            assertThat(device.publishAndWait(MqttTopics.telemetry(SITE, "gw-01"), Batches.bytes(SITE, "gw-01", 2), 1)
                    .getReasonCodes()).containsExactly(0x00);
        }
    }

    @Test
    void mutualTlsNamesTheDeviceByItsCertificate() throws Exception {
        String uri = "ssl://127.0.0.1:" + server.server.tlsPort();
        TestCertificates.Issued cert = certificates.client("gw-cert");
        try (V5Client device = V5Client.connect(uri, "gw-cert", o -> {
            o.setSocketFactory(socketFactory(cert));
            o.setHttpsHostnameVerificationEnabled(false);
        })) {
            assertThat(device.publishAndWait(MqttTopics.telemetry(SITE, "gw-cert"),
                    Batches.bytes(SITE, "gw-cert", 1), 1).getReasonCodes()).containsExactly(0x00);
            assertThat(device.publishAndWait(MqttTopics.telemetry(SITE, "gw-01"),
                    Batches.bytes(SITE, "gw-01", 1), 1).getReasonCodes()).containsExactly(0x87);
        }
    }

    @Test
    void aCertificateOfSomeoneUnregisteredIsNotAuthorized() throws Exception {
        String uri = "ssl://127.0.0.1:" + server.server.tlsPort();
        TestCertificates.Issued cert = certificates.client("stranger");
        assertThatThrownBy(() -> V5Client.connect(uri, "stranger", o -> {
            o.setSocketFactory(socketFactory(cert));
            o.setHttpsHostnameVerificationEnabled(false);
        })).isInstanceOfSatisfying(MqttException.class, e -> assertThat(e.getReasonCode()).isEqualTo(0x87));
    }

    @Test
    void mosquittoPubOverTlsWithPasswordAndWithClientCertificate(@TempDir Path dir) throws Exception {
        io.tocsin.ingest.support.CommandLineTool.require("mosquitto_pub", "mosquitto-clients");
        Path ca = certificates.writeCa(dir);
        Path[] clientPem = certificates.client("gw-cert").writePem(dir, "gw-cert");
        Path batch = java.nio.file.Files.write(dir.resolve("batch.bin"), Batches.bytes(SITE, "gw-01", 7));
        String port = String.valueOf(server.server.tlsPort());
        int before = server.writer.appends().size();

        var withPassword = io.tocsin.ingest.support.CommandLineTool.run(20, "mosquitto_pub", "-h", "127.0.0.1",
                "-p", port, "--cafile", ca.toString(), "-V", "mqttv5", "-i", "gw-01-mosq", "-u", "gw-01",
                "-P", DEVICE_PASSWORD, "-q", "1", "-t", MqttTopics.telemetry(SITE, "gw-01"), "-f", batch.toString());
        assertThat(withPassword.exitCode()).as(withPassword.output()).isZero();

        Path certBatch = java.nio.file.Files.write(dir.resolve("cert.bin"), Batches.bytes(SITE, "gw-cert", 7));
        var withCertificate = io.tocsin.ingest.support.CommandLineTool.run(20, "mosquitto_pub", "-h", "127.0.0.1",
                "-p", port, "--cafile", ca.toString(), "--cert", clientPem[0].toString(), "--key",
                clientPem[1].toString(), "-V", "mqttv311", "-i", "gw-cert-mosq", "-q", "1",
                "-t", MqttTopics.telemetry(SITE, "gw-cert"), "-f", certBatch.toString());
        assertThat(withCertificate.exitCode()).as(withCertificate.output()).isZero();

        var wrongPassword = io.tocsin.ingest.support.CommandLineTool.run(20, "mosquitto_pub", "-h", "127.0.0.1",
                "-p", port, "--cafile", ca.toString(), "-V", "mqttv5", "-i", "gw-01-bad", "-u", "gw-01",
                "-P", "guess", "-q", "1", "-t", MqttTopics.telemetry(SITE, "gw-01"), "-f", batch.toString());
        assertThat(wrongPassword.exitCode()).isNotZero();
        assertThat(wrongPassword.output()).containsIgnoringCase("bad user name or password");

        assertThat(server.writer.appends().subList(before, server.writer.appends().size()))
                .extracting(a -> a.address().deviceId()).containsExactlyInAnyOrder("gw-01", "gw-cert");
    }

    private static javax.net.ssl.SSLSocketFactory trusting() {
        try {
            return certificates.trustingSocketFactory();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static javax.net.ssl.SSLSocketFactory socketFactory(TestCertificates.Issued cert) {
        try {
            return cert.socketFactory(certificates.ca());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void login(org.eclipse.paho.mqttv5.client.MqttConnectionOptions options, String user,
                              String password) {
        options.setUserName(user);
        options.setPassword(password.getBytes(StandardCharsets.UTF_8));
    }
}
