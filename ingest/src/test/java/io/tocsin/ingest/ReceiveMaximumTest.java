package io.tocsin.ingest;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.RawMqttClient.Packet;
import io.tocsin.ingest.support.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Outbound flow control: the server respects the Receive Maximum of the client's CONNECT (MQTT 5 3.3.4-7). */
class ReceiveMaximumTest {

    private static final String TOPIC = "console/station-7/orders";
    private static final int PUBLISH = 3;

    private TestServer server;

    @BeforeEach
    void startServer() {
        server = TestServer.start();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void neverMoreUnacknowledgedMessagesThanTheClientAllowsTheRestFollowInOrderAsItAcks() throws Exception {
        try (RawMqttClient console = new RawMqttClient(server.port())) {
            console.send(connectWithReceiveMaximum("console", 2));
            assertThat(console.read().type()).isEqualTo(Packet.CONNACK);
            console.send(RawMqttClient.subscribe(1, true, TOPIC));
            assertThat(console.read().type()).isEqualTo(Packet.SUBACK);

            for (int i = 1; i <= 4; i++) {
                server.server.publish(TOPIC, ("order-" + i).getBytes(StandardCharsets.UTF_8), MqttQoS.AT_LEAST_ONCE);
            }
            Packet first = console.read();
            Packet second = console.read();
            assertThat(payload(first)).isEqualTo("order-1");
            assertThat(payload(second)).isEqualTo("order-2");

            // The four deliveries were queued on the connection's event loop together; a PINGRESP now proves the
            // third and fourth were held back rather than sent.
            console.send(RawMqttClient.pingReq());
            assertThat(console.read().type()).as("nothing beyond the Receive Maximum of 2").isEqualTo(Packet.PINGRESP);

            console.send(pubAck(packetId(first)));
            Packet third = console.read();
            assertThat(payload(third)).isEqualTo("order-3");
            console.send(RawMqttClient.pingReq());
            assertThat(console.read().type()).isEqualTo(Packet.PINGRESP);

            console.send(pubAck(packetId(second)));
            console.send(pubAck(packetId(third)));
            Packet fourth = console.read();
            assertThat(payload(fourth)).isEqualTo("order-4");
            assertThat(fourth.flags() & 0x08).as("first attempt: no DUP").isZero();
        }
    }

    /** An MQTT 5 CONNECT (clean start, keep alive 60) with a Receive Maximum property. */
    private static byte[] connectWithReceiveMaximum(String clientId, int receiveMaximum) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, "MQTT");
        body.write(5);
        body.write(0x02);
        body.write(0);
        body.write(60);
        body.write(3); // properties length
        body.write(0x21); // Receive Maximum
        body.write(receiveMaximum >> 8);
        body.write(receiveMaximum & 0xFF);
        writeString(body, clientId);
        return RawMqttClient.packet(0x10, body.toByteArray());
    }

    private static byte[] pubAck(int packetId) {
        return RawMqttClient.packet(0x40, new byte[] {(byte) (packetId >> 8), (byte) packetId});
    }

    /** The packet identifier of a QoS 1 PUBLISH (after its topic). */
    private static int packetId(Packet publish) {
        byte[] body = publish.body();
        int topicLength = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
        return ((body[2 + topicLength] & 0xFF) << 8) | (body[3 + topicLength] & 0xFF);
    }

    /** The payload of an MQTT 5 PUBLISH at QoS 1 (topic, packet id, properties, payload). */
    private static String payload(Packet publish) {
        assertThat(publish.type()).as("a PUBLISH").isEqualTo(PUBLISH);
        byte[] body = publish.body();
        int topicLength = ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
        int index = 2 + topicLength + 2;
        int propertiesLength = body[index] & 0xFF; // small: one byte of variable length
        index += 1 + propertiesLength;
        return new String(body, index, body.length - index, StandardCharsets.UTF_8);
    }

    private static void writeString(ByteArrayOutputStream out, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.write(bytes.length >> 8);
        out.write(bytes.length & 0xFF);
        out.writeBytes(bytes);
    }
}
