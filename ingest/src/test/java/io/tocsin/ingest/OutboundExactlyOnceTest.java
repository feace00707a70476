package io.tocsin.ingest;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.tocsin.ingest.pubsub.DeliveryExactlyOnceHandler;
import io.tocsin.ingest.support.CommandLineTool;
import io.tocsin.ingest.support.PahoSubscriber;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.RawMqttClient.Packet;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.ingest.support.V3Client;
import io.tocsin.ingest.support.V5Client;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * QoS 2 from the server to subscribers (MQTT 4.3.3, server as sender): PUBLISH, PUBREC, PUBREL, PUBCOMP; resumed
 * across a reconnect of a persistent session without delivering twice; within the client's Receive Maximum.
 */
class OutboundExactlyOnceTest {

    private static final String TOPIC = "console/station-7/orders";

    @TempDir
    Path dir;

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
    void pahoMqtt5SubscriberGetsAQos2PublishExactlyOnceAtQos2() throws Exception {
        try (V5Client console = V5Client.connect(server.uri(), "console-v5");
             V5Client sender = V5Client.connect(server.uri(), "sender-v5")) {
            assertThat(console.subscribe(TOPIC, 2).getReasonCodes()).containsExactly(2);
            assertThat(sender.publishAndWait(TOPIC, bytes("evacuate"), 2).getException()).isNull();
            assertReceivedOnceAtQos2(console, "evacuate");
            assertThat(console.isConnected()).isTrue();
        }
    }

    @Test
    void pahoMqtt311SubscriberGetsAQos2PublishExactlyOnceAtQos2() throws Exception {
        try (V3Client console = V3Client.connect(server.uri(), "console-v3");
             V3Client sender = V3Client.connect(server.uri(), "sender-v3")) {
            assertThat(console.subscribe(TOPIC, 2).getGrantedQos()).containsExactly(2);
            assertThat(sender.publishAndWait(TOPIC, bytes("evacuate"), 2).getException()).isNull();
            assertReceivedOnceAtQos2(console, "evacuate");
        }
    }

    @Test
    void theEffectiveQosIsTheLowerOfPublishAndSubscription() throws Exception {
        try (V5Client atQos1 = V5Client.connect(server.uri(), "console-q1");
             V5Client atQos2 = V5Client.connect(server.uri(), "console-q2")) {
            atQos1.subscribe(TOPIC, 1);
            atQos2.subscribe(TOPIC, 2);
            server.server.publish(TOPIC, bytes("at-2"), MqttQoS.EXACTLY_ONCE);
            server.server.publish(TOPIC, bytes("at-1"), MqttQoS.AT_LEAST_ONCE);
            assertThat(atQos1.awaitMessage().qos()).isEqualTo(1);
            assertThat(atQos1.awaitMessage().qos()).isEqualTo(1);
            assertThat(atQos2.awaitMessage().qos()).isEqualTo(2);
            assertThat(atQos2.awaitMessage().qos()).isEqualTo(1);
        }
    }

    @Test
    void mosquittoSubReceivesAtQos2() throws Exception {
        CommandLineTool.require("mosquitto_sub", "mosquitto-clients");
        for (String version : new String[] {"mqttv5", "mqttv311"}) {
            Path output = dir.resolve(version + ".out");
            String clientId = "mosq-q2-" + version;
            Process sub = CommandLineTool.start(output, "mosquitto_sub", "-h", "127.0.0.1", "-p",
                    String.valueOf(server.port()), "-V", version, "-i", clientId, "-q", "2", "-t", TOPIC,
                    "-C", "1", "-W", "10", "-d");
            try {
                // Published once as soon as the subscription is in place (before, it reaches nobody).
                await().until(() -> server.server.publish(TOPIC, bytes("fire-" + version), MqttQoS.EXACTLY_ONCE) == 1);
                await().until(() -> !sub.isAlive());
                String printed = Files.readString(output);
                assertThat(sub.exitValue()).as(printed).isZero();
                assertThat(printed).contains("q2").contains("PUBREC").contains("PUBREL").contains("PUBCOMP");
                assertThat(printed.lines().filter(line -> line.equals("fire-" + version))).hasSize(1);
            } finally {
                sub.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void aPersistentClientThatDropsAfterPubRecGetsThePubRelAgainAndNotTheMessage() throws Exception {
        int packetId;
        try (RawMqttClient raw = persistentV3("raw-q2")) {
            raw.send(RawMqttClient.subscribe(1, false, 2, TOPIC));
            Packet subAck = raw.read();
            assertThat(subAck.type()).isEqualTo(Packet.SUBACK);
            assertThat(subAck.unsignedByte(2)).as("granted QoS 2").isEqualTo(2);
            server.server.publish(TOPIC, bytes("fire"), MqttQoS.EXACTLY_ONCE);
            Packet publish = raw.read();
            assertThat(publish.type()).isEqualTo(Packet.PUBLISH);
            assertThat(publish.qos()).isEqualTo(2);
            assertThat(publish.publishPayload(false)).isEqualTo("fire");
            packetId = publish.publishPacketId();
            raw.send(RawMqttClient.pubRec(packetId, 0));
            Packet pubRel = raw.read();
            assertThat(pubRel.type()).isEqualTo(Packet.PUBREL);
            assertThat(pubRel.flags()).isEqualTo(0x02);
            assertThat(RawMqttClient.packetId(pubRel)).isEqualTo(packetId);
            // The console's network dies before its PUBCOMP.
        }
        awaitGone("raw-q2");
        try (RawMqttClient raw = persistentV3("raw-q2")) {
            Packet pubRel = raw.read();
            assertThat(pubRel.type()).as("the PUBREL, not the message again").isEqualTo(Packet.PUBREL);
            assertThat(RawMqttClient.packetId(pubRel)).as("original packet identifier").isEqualTo(packetId);
            raw.send(RawMqttClient.pubComp(packetId));
            raw.send(RawMqttClient.pingReq());
            assertThat(raw.read().type()).isEqualTo(Packet.PINGRESP);
        }
        awaitGone("raw-q2");
        try (RawMqttClient raw = persistentV3("raw-q2")) {
            raw.send(RawMqttClient.pingReq());
            assertThat(raw.read().type()).as("completed: nothing left to send").isEqualTo(Packet.PINGRESP);
        }
    }

    @Test
    void aPersistentClientThatDropsBeforePubRecGetsThePublishAgainWithDupAndTheSameId() throws Exception {
        int packetId;
        try (RawMqttClient raw = persistentV3("raw-q2-dup")) {
            raw.send(RawMqttClient.subscribe(1, false, 2, TOPIC));
            assertThat(raw.read().type()).isEqualTo(Packet.SUBACK);
            server.server.publish(TOPIC, bytes("fire"), MqttQoS.EXACTLY_ONCE);
            Packet publish = raw.read();
            assertThat(publish.dup()).isFalse();
            packetId = publish.publishPacketId();
        }
        awaitGone("raw-q2-dup");
        server.server.publish(TOPIC, bytes("later"), MqttQoS.EXACTLY_ONCE);
        try (RawMqttClient raw = persistentV3("raw-q2-dup")) {
            Packet again = raw.read();
            assertThat(again.type()).isEqualTo(Packet.PUBLISH);
            assertThat(again.dup()).isTrue();
            assertThat(again.publishPacketId()).as("original packet identifier").isEqualTo(packetId);
            assertThat(again.publishPayload(false)).isEqualTo("fire");
            Packet later = raw.read();
            assertThat(later.publishPayload(false)).isEqualTo("later");
            assertThat(later.dup()).isFalse();
            assertThat(later.publishPacketId()).as("a new message never reuses an open exchange's id")
                    .isNotEqualTo(packetId);
            raw.send(RawMqttClient.pubRec(packetId, 0));
            assertThat(raw.read().type()).isEqualTo(Packet.PUBREL);
            raw.send(RawMqttClient.pubComp(packetId));
        }
    }

    @Test
    void aClientThatNeverAnswersPubRecHoldsItsReceiveMaximumPlaceUntilPubComp() throws Exception {
        try (RawMqttClient raw = subscribedV5WithReceiveMaximumOne("slow-console")) {
            server.server.publish(TOPIC, bytes("order-1"), MqttQoS.EXACTLY_ONCE);
            server.server.publish(TOPIC, bytes("order-2"), MqttQoS.EXACTLY_ONCE);
            Packet first = raw.read();
            assertThat(first.publishPayload(true)).isEqualTo("order-1");

            raw.send(RawMqttClient.pingReq());
            assertThat(raw.read().type()).as("no PUBREC: order-2 held back").isEqualTo(Packet.PINGRESP);
            raw.send(RawMqttClient.pubRec(first.publishPacketId(), 0));
            assertThat(raw.read().type()).isEqualTo(Packet.PUBREL);
            raw.send(RawMqttClient.pingReq());
            assertThat(raw.read().type()).as("PUBREC does not free the place, PUBCOMP does")
                    .isEqualTo(Packet.PINGRESP);
            raw.send(RawMqttClient.pubComp(first.publishPacketId()));
            Packet second = raw.read();
            assertThat(second.type()).isEqualTo(Packet.PUBLISH);
            assertThat(second.publishPayload(true)).isEqualTo("order-2");
        }
    }

    @Test
    void anMqtt5PubRecWithAnErrorEndsTheExchangeAndFreesThePlace() throws Exception {
        try (RawMqttClient raw = subscribedV5WithReceiveMaximumOne("refusing-console")) {
            server.server.publish(TOPIC, bytes("order-1"), MqttQoS.EXACTLY_ONCE);
            server.server.publish(TOPIC, bytes("order-2"), MqttQoS.EXACTLY_ONCE);
            Packet first = raw.read();
            raw.send(RawMqttClient.pubRec(first.publishPacketId(), 0x80));
            Packet next = raw.read();
            assertThat(next.type()).as("no PUBREL after a failed PUBREC; the next message instead")
                    .isEqualTo(Packet.PUBLISH);
            assertThat(next.publishPayload(true)).isEqualTo("order-2");
        }
        // Counted once the handler returns, which may be just after order-2 went out.
        await().until(() -> server.count(DeliveryExactlyOnceHandler.REFUSED) == 1);
    }

    @Test
    void unknownPacketIdentifiersInPubRecAndPubComp() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            raw.send(RawMqttClient.connectV5("confused-console", 60));
            assertThat(raw.read().type()).isEqualTo(Packet.CONNACK);
            raw.send(RawMqttClient.pubRec(4711, 0));
            Packet pubRel = raw.read();
            assertThat(pubRel.type()).isEqualTo(Packet.PUBREL);
            assertThat(RawMqttClient.packetId(pubRel)).isEqualTo(4711);
            assertThat(pubRel.reasonCode()).as("Packet Identifier not found").isEqualTo(0x92);

            raw.send(RawMqttClient.pubComp(4712)); // nothing answers a PUBCOMP; the connection stays
            raw.send(RawMqttClient.pingReq());
            assertThat(raw.read().type()).isEqualTo(Packet.PINGRESP);
        }
        assertThat(server.count(DeliveryExactlyOnceHandler.UNKNOWN_PACKET_ID, "packet", "pubrec")).isEqualTo(1);
        assertThat(server.count(DeliveryExactlyOnceHandler.UNKNOWN_PACKET_ID, "packet", "pubcomp")).isEqualTo(1);
    }

    /** {@code subscriber} gets {@code text} at QoS 2, and nothing more once all the server sent before is in. */
    private void assertReceivedOnceAtQos2(PahoSubscriber subscriber, String text) throws Exception {
        V5Client.Received received = subscriber.awaitMessage();
        assertThat(received.text()).isEqualTo(text);
        assertThat(received.qos()).isEqualTo(2);
        subscriber.sync(server);
        assertThat(subscriber.received()).as("delivered once").isEmpty();
    }

    /** A clean MQTT 5 session that takes one QoS 1/2 message at a time (Receive Maximum 1), on TOPIC at QoS 2. */
    private RawMqttClient subscribedV5WithReceiveMaximumOne(String clientId) throws Exception {
        RawMqttClient raw = new RawMqttClient(server.port());
        raw.send(RawMqttClient.connectV5(clientId, 60, 1, 0));
        assertThat(raw.read().type()).isEqualTo(Packet.CONNACK);
        raw.send(RawMqttClient.subscribe(1, true, 2, TOPIC));
        assertThat(raw.read().type()).isEqualTo(Packet.SUBACK);
        return raw;
    }

    private RawMqttClient persistentV3(String clientId) throws Exception {
        RawMqttClient raw = new RawMqttClient(server.port());
        raw.send(RawMqttClient.connect("MQTT", 4, clientId, 60, false));
        assertThat(raw.read().type()).isEqualTo(Packet.CONNACK);
        return raw;
    }

    private void awaitGone(String clientId) {
        await().until(() -> server.server.clients().find(clientId).isEmpty());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
