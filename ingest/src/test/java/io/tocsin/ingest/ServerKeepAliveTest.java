package io.tocsin.ingest;

import io.tocsin.ingest.mqtt.KeepAliveHandler;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** MQTT 5 Server Keep Alive: a maximum the server imposes on clients asking for more, or for none. */
class ServerKeepAliveTest {

    private static final int MAX_KEEP_ALIVE = 1;

    private TestServer server;

    @BeforeEach
    void startServer() {
        server = TestServer.startWith(builder -> builder.publishLimits(
                PublishLimits.defaults().withMaxKeepAlive(MAX_KEEP_ALIVE)));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void aClientAskingForMoreIsToldTheMaximumAndHeldToIt() throws Exception {
        // Raw bytes: Paho 1.2.5 does not adopt the Server Keep Alive (it keeps pinging at its own interval).
        try (RawMqttClient device = new RawMqttClient(server.port())) {
            device.send(RawMqttClient.connectV5("sleepy", 3_600));
            RawMqttClient.Packet connAck = device.read();
            assertThat(serverKeepAlive(connAck.body())).isEqualTo(MAX_KEEP_ALIVE);
            device.send(RawMqttClient.pingReq());
            assertThat(device.read().type()).as("pings keep it alive as usual").isEqualTo(RawMqttClient.Packet.PINGRESP);
            assertThat(device.awaitClosed()).as("closed after 1.5 x 1 s without a packet").isTrue();
        }
        await().until(() -> server.count(KeepAliveHandler.KEEP_ALIVE_TIMEOUTS) == 1);
    }

    @Test
    void aClientWithoutKeepAliveIsHeldToTheMaximum() throws Exception {
        try (RawMqttClient device = new RawMqttClient(server.port())) {
            device.send(RawMqttClient.connectV5("silent", 0));
            RawMqttClient.Packet connAck = device.read();
            assertThat(connAck.type()).isEqualTo(RawMqttClient.Packet.CONNACK);
            assertThat(serverKeepAlive(connAck.body())).isEqualTo(MAX_KEEP_ALIVE);
            // It never pings: closed after 1.5 x the server's keep alive (the socket timeout is 5 s).
            assertThat(device.awaitClosed()).isTrue();
        }
        await().until(() -> server.count(KeepAliveHandler.KEEP_ALIVE_TIMEOUTS) == 1);
    }

    @Test
    void aClientWithinTheMaximumAndMqtt311AreTakenAsTheyAsk() throws Exception {
        try (RawMqttClient device = new RawMqttClient(server.port());
             RawMqttClient old = new RawMqttClient(server.port())) {
            device.send(RawMqttClient.connectV5("modest", MAX_KEEP_ALIVE));
            RawMqttClient.Packet connAck = device.read();
            assertThat(serverKeepAlive(connAck.body())).as("no Server Keep Alive property").isEqualTo(-1);
            // MQTT 3.1.1 cannot be told another keep alive: its 0 (none) stands, though it never sends a packet.
            old.send(RawMqttClient.connectV3("gateway-3", 0));
            assertThat(old.read().type()).isEqualTo(RawMqttClient.Packet.CONNACK);
            await().during(java.time.Duration.ofMillis(2_000)).atMost(java.time.Duration.ofSeconds(3))
                    .until(() -> server.server.clients().find("gateway-3").isPresent());
        }
    }

    /** The Server Keep Alive property (0x13) of an MQTT 5 CONNACK body, -1 when absent. */
    private static int serverKeepAlive(byte[] body) {
        int index = 2;
        int length = 0;
        int multiplier = 1;
        int digit;
        do {
            digit = body[index++] & 0xFF;
            length += (digit & 0x7F) * multiplier;
            multiplier *= 128;
        } while ((digit & 0x80) != 0);
        int end = index + length;
        while (index < end) {
            int id = body[index++] & 0xFF;
            switch (id) {
                case 0x13 -> {
                    return ((body[index] & 0xFF) << 8) | (body[index + 1] & 0xFF);
                }
                case 0x24, 0x25, 0x28, 0x29, 0x2A, 0x17, 0x19 -> index += 1;
                case 0x21, 0x22 -> index += 2;
                case 0x11, 0x27 -> index += 4;
                case 0x12, 0x1A, 0x1C, 0x15, 0x1F -> index += 2 + (((body[index] & 0xFF) << 8) | (body[index + 1] & 0xFF));
                default -> throw new IllegalStateException("unexpected CONNACK property 0x" + Integer.toHexString(id));
            }
        }
        return -1;
    }
}
