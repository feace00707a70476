package io.tocsin.ingest;

import io.tocsin.ingest.mqtt.PublishValidationHandler;

import io.tocsin.ingest.mqtt.ConnectHandler;
import io.tocsin.ingest.mqtt.KeepAliveHandler;
import io.tocsin.ingest.mqtt.ProtocolVersionGate;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.RawMqttClient.Packet;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.ingest.support.V3Client;
import io.tocsin.ingest.support.V5Client;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class ConnectionTest {

    private TestServer server;

    @BeforeEach
    void startServer() {
        server = TestServer.start(config -> config.withConnectTimeout(Duration.ofMillis(1500)));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void v5AndV3ClientsConnectStayAliveWithPingsAndDisconnect() throws Exception {
        try (V5Client v5 = V5Client.connect(server.uri(), "console-5", options -> options.setKeepAliveInterval(1));
             V3Client v3 = V3Client.connect(server.uri(), "gateway-3", options -> options.setKeepAliveInterval(1))) {

            MqttProperties connAck = v5.connectToken().getResponseProperties();
            assertThat(connAck.getMaximumQoS()).as("absent: QoS 2 accepted").isNull();
            assertThat(connAck.isRetainAvailable()).isTrue();
            assertThat(connAck.getReceiveMaximum()).isEqualTo(IngestConfig.DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION);
            assertThat(connAck.getTopicAliasMaximum()).isEqualTo(PublishValidationHandler.TOPIC_ALIAS_MAXIMUM);
            assertThat(connAck.isSharedSubscriptionAvailable()).isTrue();
            assertThat(connAck.isWildcardSubscriptionsAvailable()).isTrue();
            assertThat(v5.connectToken().getSessionPresent()).isFalse();
            assertThat(server.server.clients().size()).isEqualTo(2);

            // With a 1 s keep alive the clients only stay connected if their PINGREQs get PINGRESPs (Paho drops
            // the connection otherwise) and the server counts them as activity (it drops after 1.5 s otherwise).
            await().during(Duration.ofMillis(2_500)).atMost(Duration.ofSeconds(4))
                    .until(() -> v5.isConnected() && v3.isConnected()
                            && server.server.clients().size() == 2);
            assertThat(server.count(KeepAliveHandler.KEEP_ALIVE_TIMEOUTS)).isZero();

            // No quiesce: nothing is in flight, and Paho's quiesce waits for every stored token, the ping's too.
            // When a PINGRESP overtakes Paho's own "ping sent" bookkeeping its ping count stays at one and the
            // ping token is never removed, so a default disconnect waits out its 30 s quiesce (seen once in CI).
            v5.paho().disconnect(0).waitForCompletion(V5Client.TIMEOUT_MS);
            v3.paho().disconnect(0).waitForCompletion(V3Client.TIMEOUT_MS);
        }
        await().until(() -> server.server.clients().size() == 0);
    }

    @Test
    void clientThatGoesSilentIsClosedAfterOneAndAHalfKeepAlive() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            raw.send(RawMqttClient.connectV5("silent", 1));
            assertThat(raw.read().type()).isEqualTo(Packet.CONNACK);
            long start = System.nanoTime();

            Packet disconnect = raw.read();
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;

            assertThat(disconnect.type()).isEqualTo(Packet.DISCONNECT);
            assertThat(disconnect.unsignedByte(0)).isEqualTo(0x8D); // keep alive timeout
            assertThat(raw.awaitClosed()).isTrue();
            assertThat(elapsedMs).isBetween(1_400L, 3_000L);
        }
        assertThat(server.count(KeepAliveHandler.KEEP_ALIVE_TIMEOUTS)).isEqualTo(1);
    }

    @Test
    void pingReqGetsPingResp() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            raw.send(RawMqttClient.connectV3("pinger", 60));
            assertThat(raw.read().type()).isEqualTo(Packet.CONNACK);
            raw.send(RawMqttClient.pingReq());
            assertThat(raw.read().type()).isEqualTo(Packet.PINGRESP);
        }
    }

    @Test
    void mqtt31IsRefusedWithUnacceptableProtocolVersion() {
        assertThatThrownBy(() -> V3Client.connect(server.uri(), "old-device",
                options -> options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1)))
                .isInstanceOfSatisfying(org.eclipse.paho.client.mqttv3.MqttException.class,
                        e -> assertThat(e.getReasonCode())
                                .isEqualTo(org.eclipse.paho.client.mqttv3.MqttException.REASON_CODE_INVALID_PROTOCOL_VERSION));
        assertThat(server.count(ProtocolVersionGate.CONNECT_REFUSED, "reason", "unsupported_protocol_version"))
                .isEqualTo(1);
    }

    @Test
    void unknownProtocolLevelsAreRefusedWithTheConnAckOfTheirGeneration() throws Exception {
        try (RawMqttClient future = new RawMqttClient(server.port());
             RawMqttClient ancient = new RawMqttClient(server.port())) {
            future.send(RawMqttClient.connect("MQTT", 6, "from-the-future", 30, true));
            Packet connAck = future.read();
            assertThat(connAck.type()).isEqualTo(Packet.CONNACK);
            assertThat(connAck.body()).containsExactly(0x00, 0x84, 0x00); // MQTT 5 layout, unsupported version
            assertThat(future.awaitClosed()).isTrue();

            ancient.send(RawMqttClient.connect("MQTT", 2, "from-the-past", 30, true));
            connAck = ancient.read();
            assertThat(connAck.body()).containsExactly(0x00, 0x01); // MQTT 3 layout, unacceptable version
            assertThat(ancient.awaitClosed()).isTrue();
        }
        assertThat(server.count(ProtocolVersionGate.CONNECT_REFUSED, "reason", "unsupported_protocol_version"))
                .isEqualTo(2);
    }

    @Test
    void connectArrivingByteByByteIsHandledLikeAWholeOne() throws Exception {
        try (RawMqttClient accepted = new RawMqttClient(server.port())) {
            for (byte b : RawMqttClient.connectV5("trickle", 30)) {
                accepted.send(new byte[] {b});
            }
            Packet connAck = accepted.read();
            assertThat(connAck.type()).isEqualTo(Packet.CONNACK);
            assertThat(connAck.unsignedByte(1)).isZero();
        }
        // Opened only now: the test server's connect timeout is short, and a socket left silent while the
        // first client trickles could be closed for that reason instead of the one under test.
        try (RawMqttClient refused = new RawMqttClient(server.port())) {
            for (byte b : RawMqttClient.connect("MQTT", 6, "trickle-6", 30, true)) {
                refused.send(new byte[] {b});
            }
            assertThat(refused.read().body()).containsExactly(0x00, 0x84, 0x00);
            assertThat(refused.awaitClosed()).isTrue();
        }
    }

    @Test
    void packetBeforeConnectClosesTheConnection() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            raw.send(RawMqttClient.pingReq());
            assertThat(raw.awaitClosed()).isTrue();
        }
        assertThat(server.count(ConnectHandler.PROTOCOL_ERRORS, "reason", "packet_before_connect")).isEqualTo(1);
    }

    @Test
    void secondConnectIsAProtocolError() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            raw.send(RawMqttClient.connectV5("twice", 30));
            assertThat(raw.read().type()).isEqualTo(Packet.CONNACK);

            raw.send(RawMqttClient.connectV5("twice", 30));
            Packet disconnect = raw.read();
            assertThat(disconnect.type()).isEqualTo(Packet.DISCONNECT);
            assertThat(disconnect.unsignedByte(0)).isEqualTo(0x82); // protocol error
            assertThat(raw.awaitClosed()).isTrue();
        }
        assertThat(server.count(ConnectHandler.PROTOCOL_ERRORS, "reason", "second_connect")).isEqualTo(1);
    }

    @Test
    void silentConnectionIsClosedAfterTheConnectTimeout() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            long start = System.nanoTime();
            assertThat(raw.awaitClosed()).isTrue();
            assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(1400);
        }
        assertThat(server.count(ConnectHandler.PROTOCOL_ERRORS, "reason", "connect_timeout")).isEqualTo(1);
    }

    @Test
    void emptyClientIdGetsOneAssignedForMqtt5() throws Exception {
        try (V5Client client = V5Client.connect(server.uri(), "")) {
            String assigned = client.connectToken().getResponseProperties().getAssignedClientIdentifier();
            assertThat(assigned).isNotBlank();
            assertThat(server.server.clients().find(assigned)).isPresent();
        }
    }

    @Test
    void emptyClientIdIsAcceptedForMqtt311OnlyWithCleanSession() throws Exception {
        try (RawMqttClient clean = new RawMqttClient(server.port());
             RawMqttClient persistent = new RawMqttClient(server.port())) {
            clean.send(RawMqttClient.connect("MQTT", 4, "", 30, true));
            assertThat(clean.read().body()).containsExactly(0x00, 0x00);

            persistent.send(RawMqttClient.connect("MQTT", 4, "", 30, false));
            assertThat(persistent.read().body()).containsExactly(0x00, 0x02); // identifier rejected
            assertThat(persistent.awaitClosed()).isTrue();
        }
    }

    @Test
    void secondConnectionWithTheSameClientIdTakesOver() throws Exception {
        try (V5Client first = V5Client.connect(server.uri(), "station-7");
             V5Client second = V5Client.connect(server.uri(), "station-7")) {
            assertThat(first.awaitDisconnected().getReturnCode()).isEqualTo(0x8E); // session taken over
            assertThat(second.isConnected()).isTrue();
            second.sync(server); // the survivor still gets its messages
            assertThat(server.server.clients().size()).isEqualTo(1);
        }
    }
}
