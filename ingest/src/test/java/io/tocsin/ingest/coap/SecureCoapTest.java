package io.tocsin.ingest.coap;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.tocsin.ingest.auth.CredentialRegistry;
import io.tocsin.ingest.auth.Identity;
import io.tocsin.ingest.auth.PasswordHash;
import io.tocsin.ingest.support.Batches;
import io.tocsin.ingest.support.CommandLineTool;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.proto.MqttTopics;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapHandler;
import org.eclipse.californium.core.CoapObserveRelation;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** CoAP with a credential registry: DTLS-PSK from the registry, the topic ACL, 4.01 on plain CoAP. */
class SecureCoapTest {

    private static final String SITE = "park-north";
    private static final PasswordHash DEVICE_HASH = PasswordHash.create("gw secret".toCharArray(),
            PasswordHash.MIN_ITERATIONS);
    private static final PasswordHash STATION_HASH = PasswordHash.create("st secret".toCharArray(),
            PasswordHash.MIN_ITERATIONS);

    private static TestServer server;
    private static CoapIngestEndpoint coap;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        CredentialRegistry registry = CredentialRegistry.of(Map.of(
                "gw-01", new CredentialRegistry.Entry(Identity.device("gw-01", SITE, "gw-01"), DEVICE_HASH),
                "siren-7", new CredentialRegistry.Entry(Identity.station("siren-7", Set.of(SITE)), STATION_HASH)));
        server = TestServer.startWith(builder -> builder.credentials(registry)
                .coap(CoapSettings.defaults().withBindHost("127.0.0.1").withPorts(0, 0)));
        server.writer.completeImmediately();
        coap = server.server.coap().orElseThrow();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aDeviceWithItsPreSharedKeyPostsItsOwnTelemetryOnly() throws Exception {
        CoapClient client = dtlsClient("gw-01", DEVICE_HASH, "/telemetry/" + SITE + "/gw-01");
        try {
            assertThat(post(client, Batches.bytes(SITE, "gw-01", 1)).getCode()).isEqualTo(ResponseCode.CHANGED);
            client.setURI(secureBase() + "/telemetry/" + SITE + "/gw-02");
            assertThat(post(client, Batches.bytes(SITE, "gw-02", 1)).getCode()).isEqualTo(ResponseCode.FORBIDDEN);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void plainCoapHasNoIdentityAndIsUnauthorized() throws Exception {
        CoapClient client = new CoapClient("coap://127.0.0.1:" + coap.port() + "/telemetry/" + SITE + "/gw-01")
                .setTimeout(5_000L);
        try {
            assertThat(post(client, Batches.bytes(SITE, "gw-01", 1)).getCode()).isEqualTo(ResponseCode.UNAUTHORIZED);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aStationObservesTheAlarmsOfItsSiteOverDtls() throws Exception {
        CoapClient client = dtlsClient("siren-7", STATION_HASH, "/alarms/" + SITE);
        BlockingQueue<CoapResponse> notifications = new LinkedBlockingQueue<>();
        CoapObserveRelation relation = client.observe(new CoapHandler() {
            @Override
            public void onLoad(CoapResponse response) {
                notifications.add(response);
            }

            @Override
            public void onError() {
            }
        });
        try {
            assertThat(notifications.poll(5, TimeUnit.SECONDS).getCode()).isEqualTo(ResponseCode.CONTENT);
            server.server.publish(MqttTopics.alarms(SITE), "gas".getBytes(StandardCharsets.UTF_8),
                    MqttQoS.AT_LEAST_ONCE);
            assertThat(notifications.poll(5, TimeUnit.SECONDS).getResponseText()).isEqualTo("gas");

            client.setURI(secureBase() + "/alarms/park-south");
            assertThat(client.get().getCode()).isEqualTo(ResponseCode.FORBIDDEN);
        } finally {
            relation.proactiveCancel();
            client.shutdown();
        }
    }

    @Test
    void libcoapOpensslClientPostsOverDtlsPsk() throws Exception {
        CommandLineTool.require("coap-client-openssl", "libcoap3-bin");
        Path batch = Files.write(dir.resolve("batch.bin"), Batches.bytes(SITE, "gw-01", 9));
        String key = new String(DEVICE_HASH.dtlsKey(), StandardCharsets.US_ASCII);
        var stored = CommandLineTool.run(30, "coap-client-openssl", "-v", "6", "-m", "post", "-t", "42",
                "-u", "gw-01", "-k", key, "-f", batch.toString(), secureBase() + "/telemetry/" + SITE + "/gw-01");
        assertThat(stored.output()).as(stored.output()).contains("2.04");

        var wrongKey = CommandLineTool.run(30, "coap-client-openssl", "-v", "6", "-m", "post", "-t", "42", "-B", "5",
                "-u", "gw-01", "-k", "not-the-key", "-f", batch.toString(),
                secureBase() + "/telemetry/" + SITE + "/gw-01");
        assertThat(wrongKey.output()).as(wrongKey.output()).doesNotContain("2.04");
    }

    private static String secureBase() {
        return "coaps://127.0.0.1:" + coap.dtlsPort();
    }

    private static CoapClient dtlsClient(String identity, PasswordHash hash, String path) {
        Configuration config = Configuration.createStandardWithoutFile();
        DtlsConnectorConfig dtls = DtlsConnectorConfig.builder(config)
                .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY)
                .setAdvancedPskStore(new AdvancedSinglePskStore(identity, hash.dtlsKey()))
                .build();
        CoapClient client = new CoapClient(secureBase() + path).setTimeout(10_000L);
        client.setEndpoint(new CoapEndpoint.Builder().setConfiguration(config)
                .setConnector(new DTLSConnector(dtls)).build());
        return client;
    }

    private static CoapResponse post(CoapClient client, byte[] payload) throws Exception {
        return client.post(payload, MediaTypeRegistry.APPLICATION_OCTET_STREAM);
    }
}
