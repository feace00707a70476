package io.tocsin.ingest.coap;

import io.tocsin.ingest.auth.CredentialRegistry;
import io.tocsin.ingest.auth.Identity;
import io.tocsin.ingest.auth.PasswordHash;
import io.tocsin.ingest.status.CoapDevicePresence;
import io.tocsin.ingest.status.DeviceStatusEvents;
import io.tocsin.ingest.support.Batches;
import io.tocsin.ingest.support.CommandLineTool;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.proto.v1.ConnectionState;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.StatusCause;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Online/offline status events of CoAP devices: real Californium (and libcoap) clients over DTLS-PSK against the
 * server's CoAP endpoint, events taken from the server's device status writer as the MQTT status test does.
 */
class CoapDeviceStatusTest {

    private static final String SITE = "park-north";
    /** Short for a fast test, long enough that a loaded (shared CI) machine does not stall two POSTs that far apart. */
    private static final Duration SILENCE = Duration.ofSeconds(2);
    private static final PasswordHash HASH = PasswordHash.create("gw secret".toCharArray(),
            PasswordHash.MIN_ITERATIONS);

    private final List<DeviceStatus> events = new CopyOnWriteArrayList<>();
    private final List<CoapClient> clients = new ArrayList<>();
    private TestServer server;
    private CoapIngestEndpoint coap;

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        CredentialRegistry registry = CredentialRegistry.of(Map.of(
                "gw-01", device("gw-01"), "gw-02", device("gw-02"), "gw-03", device("gw-03")));
        server = TestServer.startWith(builder -> builder.credentials(registry).deviceStatus(events::add)
                .coap(CoapSettings.defaults().withBindHost("127.0.0.1").withPorts(0, 0).withOfflineAfter(SILENCE)));
        server.writer.completeImmediately();
        coap = server.server.coap().orElseThrow();
    }

    @AfterEach
    void stop() {
        clients.forEach(CoapClient::shutdown);
        server.close();
    }

    @Test
    void onlineAtTheFirstPostOfflineAfterTheSilenceOnlineAgainAtTheNextPost() throws Exception {
        CoapClient gw01 = dtlsClient("gw-01");
        long firstPostAt = System.currentTimeMillis();
        assertThat(post(gw01, "gw-01", 1)).isEqualTo(ResponseCode.CHANGED);
        // Written before the answer: the ONLINE event is there as soon as the 2.04 is.
        assertThat(eventsOf("gw-01")).hasSize(1);
        DeviceStatus online = eventsOf("gw-01").get(0);
        assertThat(online.getState()).isEqualTo(ConnectionState.CONNECTION_STATE_ONLINE);
        assertThat(online.getCause()).isEqualTo(StatusCause.STATUS_CAUSE_TELEMETRY_RECEIVED);
        assertThat(online.getTransport()).isEqualTo("coap");
        assertThat(online.getClientId()).isEqualTo("gw-01");
        assertThat(online.getSiteId()).isEqualTo(SITE);
        assertThat(online.getDeviceId()).isEqualTo("gw-01");
        assertThat(online.getServerId()).isEqualTo(DeviceStatusEvents.localServerId());
        assertThat(online.getEventTimeMs()).isGreaterThanOrEqualTo(firstPostAt);

        long lastPostAt = System.currentTimeMillis();
        assertThat(post(gw01, "gw-01", 2)).isEqualTo(ResponseCode.CHANGED);
        assertThat(eventsOf("gw-01")).as("a device already online is not announced again").hasSize(1);
        assertThat(server.meters.get(CoapDevicePresence.ONLINE_DEVICES).gauge().value()).isEqualTo(1.0);

        await().atMost(Duration.ofSeconds(15)).until(() -> eventsOf("gw-01").size() == 2);
        DeviceStatus offline = eventsOf("gw-01").get(1);
        assertThat(offline.getState()).isEqualTo(ConnectionState.CONNECTION_STATE_OFFLINE);
        assertThat(offline.getCause()).isEqualTo(StatusCause.STATUS_CAUSE_SILENCE);
        assertThat(offline.getClientId()).isEqualTo("gw-01");
        assertThat(offline.getServerId()).isEqualTo(online.getServerId());
        assertThat(offline.getEventTimeMs()).as("not before the silence ran out")
                .isGreaterThanOrEqualTo(lastPostAt + SILENCE.toMillis() - 1);
        assertThat(server.meters.get(CoapDevicePresence.ONLINE_DEVICES).gauge().value()).isZero();

        assertThat(post(gw01, "gw-01", 3)).isEqualTo(ResponseCode.CHANGED);
        assertThat(eventsOf("gw-01")).hasSize(3);
        assertThat(eventsOf("gw-01").get(2).getState()).isEqualTo(ConnectionState.CONNECTION_STATE_ONLINE);
        assertThat(eventsOf("gw-01").get(2).getCause()).isEqualTo(StatusCause.STATUS_CAUSE_TELEMETRY_RECEIVED);
        assertThat(server.count(CoapDevicePresence.TRANSITIONS, "state", "online")).isEqualTo(2);
        assertThat(server.count(CoapDevicePresence.TRANSITIONS, "state", "offline", "cause", "silence"))
                .isEqualTo(1);
    }

    @Test
    void oneDevicesSilenceDoesNotMakeAnotherOffline() throws Exception {
        CoapClient gw01 = dtlsClient("gw-01");
        CoapClient gw02 = dtlsClient("gw-02");
        assertThat(post(gw01, "gw-01", 1)).isEqualTo(ResponseCode.CHANGED);
        assertThat(post(gw02, "gw-02", 1)).isEqualTo(ResponseCode.CHANGED);
        long[] sequence = {2};
        // gw-02 keeps reporting (every 100 ms, well within the silence) while gw-01 falls silent.
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> {
            assertThat(post(gw02, "gw-02", sequence[0]++)).isEqualTo(ResponseCode.CHANGED);
            return eventsOf("gw-01").size() == 2;
        });
        assertThat(eventsOf("gw-01").get(1).getState()).isEqualTo(ConnectionState.CONNECTION_STATE_OFFLINE);
        assertThat(sequence[0]).as("gw-02 reported across gw-01's silence").isGreaterThan(4);
        assertThat(eventsOf("gw-02")).as("gw-02 stays online").hasSize(1);
        assertThat(eventsOf("gw-02").get(0).getState()).isEqualTo(ConnectionState.CONNECTION_STATE_ONLINE);
    }

    @Test
    void refusedPostsDoNotMakeADeviceOnline() throws Exception {
        CoapClient plain = new CoapClient("coap://127.0.0.1:" + coap.port() + "/telemetry/" + SITE + "/gw-03")
                .setTimeout(5_000L);
        clients.add(plain);
        assertThat(post(plain, Batches.bytes(SITE, "gw-03", 1))).as("no identity").isEqualTo(ResponseCode.UNAUTHORIZED);

        CoapClient gw01 = dtlsClient("gw-01");
        gw01.setURI(secureBase() + "/telemetry/" + SITE + "/gw-03");
        assertThat(post(gw01, Batches.bytes(SITE, "gw-03", 1))).as("another device's path")
                .isEqualTo(ResponseCode.FORBIDDEN);

        CoapClient gw03 = dtlsClient("gw-03");
        assertThat(post(gw03, "not a batch".getBytes(StandardCharsets.UTF_8))).as("bad payload")
                .isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(post(gw03, Batches.bytes(SITE, "gw-02", 1))).as("a batch of another device")
                .isEqualTo(ResponseCode.BAD_REQUEST);
        assertThat(post(gw03, new byte[CoapSettings.DEFAULT_MAX_PAYLOAD_BYTES + 1]))
                .isEqualTo(ResponseCode.REQUEST_ENTITY_TOO_LARGE);

        // Events are written before the answer, so none can be on its way: nobody came online.
        assertThat(events).isEmpty();
        assertThat(server.meters.get(CoapDevicePresence.ONLINE_DEVICES).gauge().value()).isZero();

        assertThat(post(gw03, Batches.bytes(SITE, "gw-03", 1))).isEqualTo(ResponseCode.CHANGED);
        assertThat(events).extracting(DeviceStatus::getDeviceId).containsExactly("gw-03");
    }

    @Test
    void aBatchTheLogCouldNotStoreStillShowsTheDeviceIsThere() throws Exception {
        server.writer.completeManually();
        CoapClient gw01 = dtlsClient("gw-01");
        var answer = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return post(gw01, "gw-01", 1);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        server.writer.awaitAppend(0).fail();
        assertThat(answer.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(ResponseCode.SERVICE_UNAVAILABLE);
        assertThat(eventsOf("gw-01")).extracting(DeviceStatus::getState)
                .containsExactly(ConnectionState.CONNECTION_STATE_ONLINE);
    }

    @Test
    void gracefulShutdownReportsTheOnlineDevicesOffline() throws Exception {
        CoapClient gw01 = dtlsClient("gw-01");
        assertThat(post(gw01, "gw-01", 1)).isEqualTo(ResponseCode.CHANGED);

        server.server.close();

        assertThat(eventsOf("gw-01")).extracting(DeviceStatus::getState).containsExactly(
                ConnectionState.CONNECTION_STATE_ONLINE, ConnectionState.CONNECTION_STATE_OFFLINE);
        assertThat(eventsOf("gw-01").get(1).getCause()).isEqualTo(StatusCause.STATUS_CAUSE_CLOSED_BY_SERVER);
        assertThat(server.count(CoapDevicePresence.TRANSITIONS, "state", "offline", "cause", "shutdown"))
                .isEqualTo(1);
    }

    @Test
    void libcoapOpensslClientMakesItsDeviceOnline() throws Exception {
        CommandLineTool.require("coap-client-openssl", "libcoap3-bin");
        Path batch = Files.write(dir.resolve("batch.bin"), Batches.bytes(SITE, "gw-02", 7));
        String key = new String(HASH.dtlsKey(), StandardCharsets.US_ASCII);
        var stored = CommandLineTool.run(30, "coap-client-openssl", "-v", "6", "-m", "post", "-t", "42",
                "-u", "gw-02", "-k", key, "-f", batch.toString(), secureBase() + "/telemetry/" + SITE + "/gw-02");
        assertThat(stored.output()).as(stored.output()).contains("2.04");
        assertThat(eventsOf("gw-02")).extracting(DeviceStatus::getCause)
                .containsExactly(StatusCause.STATUS_CAUSE_TELEMETRY_RECEIVED);

        await().atMost(Duration.ofSeconds(15)).until(() -> eventsOf("gw-02").size() == 2);
        assertThat(eventsOf("gw-02").get(1).getCause()).isEqualTo(StatusCause.STATUS_CAUSE_SILENCE);
    }

    private static CredentialRegistry.Entry device(String name) {
        return new CredentialRegistry.Entry(Identity.device(name, SITE, name), HASH);
    }

    private List<DeviceStatus> eventsOf(String deviceId) {
        return events.stream().filter(e -> e.getDeviceId().equals(deviceId)).toList();
    }

    private String secureBase() {
        return "coaps://127.0.0.1:" + coap.dtlsPort();
    }

    private CoapClient dtlsClient(String identity) {
        Configuration config = Configuration.createStandardWithoutFile();
        DtlsConnectorConfig dtls = DtlsConnectorConfig.builder(config)
                .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY)
                .setAdvancedPskStore(new AdvancedSinglePskStore(identity, HASH.dtlsKey()))
                .build();
        CoapClient client = new CoapClient(secureBase() + "/telemetry/" + SITE + "/" + identity).setTimeout(10_000L);
        client.setEndpoint(new CoapEndpoint.Builder().setConfiguration(config)
                .setConnector(new DTLSConnector(dtls)).build());
        clients.add(client);
        return client;
    }

    private static ResponseCode post(CoapClient client, String deviceId, long sequence) throws Exception {
        return post(client, Batches.bytes(SITE, deviceId, sequence));
    }

    private static ResponseCode post(CoapClient client, byte[] payload) throws Exception {
        CoapResponse response = client.post(payload, MediaTypeRegistry.APPLICATION_OCTET_STREAM);
        assertThat(response).as("an answer").isNotNull();
        return response.getCode();
    }
}
