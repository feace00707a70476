package io.tocsin.ingest.status;

import io.tocsin.ingest.auth.CredentialRegistry;
import io.tocsin.ingest.auth.Identity;
import io.tocsin.ingest.auth.PasswordHash;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.RawMqttClient.Packet;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.ingest.support.V3Client;
import io.tocsin.ingest.support.V5Client;
import io.tocsin.proto.v1.ConnectionState;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.StatusCause;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Online/offline events for connect, clean disconnect, keep alive expiry, lost connection and will. */
class DeviceStatusTest {

    private final List<DeviceStatus> events = new CopyOnWriteArrayList<>();
    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.startWith(builder -> builder.deviceStatus(events::add));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void connectAndCleanDisconnect() throws Exception {
        try (V5Client gateway = V5Client.connect(server.uri(), "gw-s1")) {
            await().until(() -> events.size() == 1);
            assertThat(events.get(0).getState()).isEqualTo(ConnectionState.CONNECTION_STATE_ONLINE);
            assertThat(events.get(0).getCause()).isEqualTo(StatusCause.STATUS_CAUSE_CONNECTED);
            assertThat(events.get(0).getClientId()).isEqualTo("gw-s1");
        }
        DeviceStatus offline = awaitEvent(1);
        assertThat(offline.getState()).isEqualTo(ConnectionState.CONNECTION_STATE_OFFLINE);
        assertThat(offline.getCause()).isEqualTo(StatusCause.STATUS_CAUSE_CLEAN_DISCONNECT);
        assertThat(offline.getWillPublished()).isFalse();
    }

    @Test
    void keepAliveExpiry() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            raw.send(RawMqttClient.connectV3("gw-silent", 1));
            assertThat(raw.read().type()).isEqualTo(Packet.CONNACK);
            assertThat(raw.awaitClosed()).isTrue(); // silent for 1.5 s
        }
        assertThat(awaitEvent(1).getCause()).isEqualTo(StatusCause.STATUS_CAUSE_KEEPALIVE_TIMEOUT);
    }

    @Test
    void lostConnectionWithAWill() throws Exception {
        V3Client gateway = V3Client.connect(server.uri(), "gw-cut",
                o -> o.setWill("gateways/gw-cut/status", "lost".getBytes(StandardCharsets.UTF_8), 1, false));
        gateway.paho().disconnectForcibly(0, 1000, false);
        gateway.paho().close(true);
        DeviceStatus offline = awaitEvent(1);
        assertThat(offline.getCause()).isEqualTo(StatusCause.STATUS_CAUSE_CONNECTION_LOST);
        assertThat(offline.getWillPublished()).isTrue();
    }

    @Test
    void withoutARegistryAnEdgeAgentStyleClientIdNamesSiteAndDevice() throws Exception {
        try (V5Client agent = V5Client.connect(server.uri(), "park-west.gw-3");
             V5Client other = V5Client.connect(server.uri(), "console.of.someone")) {
            await().until(() -> events.size() == 2);
            DeviceStatus fromAgent = events.stream().filter(e -> e.getClientId().equals("park-west.gw-3"))
                    .findFirst().orElseThrow();
            assertThat(fromAgent.getSiteId()).isEqualTo("park-west");
            assertThat(fromAgent.getDeviceId()).isEqualTo("gw-3");
            DeviceStatus fromOther = events.stream().filter(e -> e.getClientId().equals("console.of.someone"))
                    .findFirst().orElseThrow();
            assertThat(fromOther.getSiteId()).isEmpty();
            assertThat(fromOther.getDeviceId()).isEmpty();
        }
    }

    @Test
    void registeredDevicesCarryTheirSiteAndDevice() throws Exception {
        server.close();
        CredentialRegistry registry = CredentialRegistry.of(Map.of("gw-9", new CredentialRegistry.Entry(
                Identity.device("gw-9", "park-east", "gw-9"),
                PasswordHash.create("pw".toCharArray(), PasswordHash.MIN_ITERATIONS))));
        server = TestServer.startWith(builder -> builder.credentials(registry).deviceStatus(events::add));
        try (V5Client gateway = V5Client.connect(server.uri(), "any-client-id", o -> {
            o.setUserName("gw-9");
            o.setPassword("pw".getBytes(StandardCharsets.UTF_8));
        })) {
            DeviceStatus online = awaitEvent(0);
            assertThat(online.getSiteId()).isEqualTo("park-east");
            assertThat(online.getDeviceId()).isEqualTo("gw-9");
        }
    }

    @Test
    void eventsNameTheServerByItsHostUnlessGivenAnIdOfItsOwn() throws Exception {
        try (V5Client gateway = V5Client.connect(server.uri(), "gw-s1")) {
            assertThat(awaitEvent(0).getServerId()).isEqualTo(DeviceStatusEvents.localServerId());
        }
        awaitEvent(1);
        server.close();
        // Two ingest nodes on one host: the alarm job tells their events apart only by these ids.
        server = TestServer.startWith(builder -> builder.deviceStatus(events::add).serverId("host-a/ingest-2"));
        try (V5Client gateway = V5Client.connect(server.uri(), "gw-s1")) {
            assertThat(awaitEvent(2).getServerId()).isEqualTo("host-a/ingest-2");
        }
    }

    private DeviceStatus awaitEvent(int index) {
        await().until(() -> events.size() > index);
        return events.get(index);
    }
}
