package io.tocsin.ingest;

import io.tocsin.ingest.mqtt.ConnectHandler;
import io.tocsin.ingest.mqtt.MalformedPacketHandler;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.RawMqttClient.Packet;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.ingest.support.V5Client;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Raw bytes no client library would send: each closes its own connection and nobody else's. */
class MalformedPacketTest {

    private static final int MAX_PACKET_BYTES = 1024;

    private TestServer server;
    private V5Client bystander;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(config -> config.withMaxPacketBytes(MAX_PACKET_BYTES));
        bystander = V5Client.connect(server.uri(), "bystander");
        bystander.subscribe("chat/#", 1);
    }

    @AfterEach
    void stop() throws Exception {
        try {
            // Whatever happened to the others, this client still publishes and receives.
            assertThat(bystander.isConnected()).isTrue();
            bystander.publishAndWait("chat/hello", "still here".getBytes(StandardCharsets.UTF_8), 1);
            assertThat(bystander.awaitMessage().text()).isEqualTo("still here");
        } finally {
            bystander.close();
            server.close();
        }
    }

    @Test
    void connectWithABadProtocolNameClosesTheConnection() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            raw.send(RawMqttClient.connect("MQTX", 4, "bad-name", 30, true));
            assertThat(raw.awaitClosed()).isTrue();
        }
        assertThat(server.count(MalformedPacketHandler.MALFORMED_PACKETS, "packet", "CONNECT")).isEqualTo(1);
    }

    @Test
    void packetOverTheSizeLimitClosesTheConnectionWithPacketTooLarge() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            raw.send(RawMqttClient.connectV5("big-sender", 30));
            assertThat(raw.read().type()).isEqualTo(Packet.CONNACK);

            // Only the header of a PUBLISH announcing twice the limit: the server must not wait for the rest.
            ByteArrayOutputStream header = new ByteArrayOutputStream();
            header.write(0x30);
            RawMqttClient.writeRemainingLength(header, 2 * MAX_PACKET_BYTES);
            raw.send(header.toByteArray());

            Packet disconnect = raw.read();
            assertThat(disconnect.type()).isEqualTo(Packet.DISCONNECT);
            assertThat(disconnect.unsignedByte(0)).isEqualTo(0x95); // packet too large
            assertThat(raw.awaitClosed()).isTrue();
        }
        assertThat(server.count(MalformedPacketHandler.MALFORMED_PACKETS, "packet", "PUBLISH")).isEqualTo(1);
    }

    @Test
    void mqtt311PacketOverTheSizeLimitClosesTheConnection() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            raw.send(RawMqttClient.connectV3("big-sender-3", 30));
            assertThat(raw.read().type()).isEqualTo(Packet.CONNACK);
            raw.send(RawMqttClient.publish("chat/big", 0, 0, new byte[2 * MAX_PACKET_BYTES], false));
            assertThat(raw.awaitClosed()).isTrue();
        }
    }

    @Test
    void publishWithAWildcardTopicIsTopicNameInvalid() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            raw.send(RawMqttClient.connectV5("wildcard-publisher", 30));
            assertThat(raw.read().type()).isEqualTo(Packet.CONNACK);
            raw.send(RawMqttClient.publish("chat/+", 1, 1, new byte[] {1}, true));

            Packet disconnect = raw.read();
            assertThat(disconnect.type()).isEqualTo(Packet.DISCONNECT);
            assertThat(disconnect.unsignedByte(0)).isEqualTo(0x90);
            assertThat(raw.awaitClosed()).isTrue();
        }
        assertThat(bystander.received()).isEmpty();
    }

    @Test
    void publishWithAnEmptyTopicIsTopicNameInvalid() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            raw.send(RawMqttClient.connectV5("empty-topic", 30));
            assertThat(raw.read().type()).isEqualTo(Packet.CONNACK);
            raw.send(RawMqttClient.publish("", 0, 0, new byte[] {1}, true));

            Packet disconnect = raw.read();
            assertThat(disconnect.type()).isEqualTo(Packet.DISCONNECT);
            assertThat(disconnect.unsignedByte(0)).isEqualTo(0x90);
            assertThat(raw.awaitClosed()).isTrue();
        }
        assertThat(server.count(ConnectHandler.PROTOCOL_ERRORS, "reason", "invalid_topic_name")).isEqualTo(1);
    }

    @Test
    void garbageAfterConnectClosesTheConnection() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            raw.send(RawMqttClient.connectV5("garbage", 30));
            assertThat(raw.read().type()).isEqualTo(Packet.CONNACK);
            // Packet type 0 is reserved.
            raw.send(new byte[] {0x00, 0x00});
            Packet disconnect = raw.read();
            assertThat(disconnect.type()).isEqualTo(Packet.DISCONNECT);
            assertThat(disconnect.unsignedByte(0)).isEqualTo(0x81); // malformed packet
            assertThat(raw.awaitClosed()).isTrue();
        }
        assertThat(server.count(MalformedPacketHandler.MALFORMED_PACKETS, "packet", "unknown")).isEqualTo(1);
    }
}
