package io.tocsin.ingest;

import io.tocsin.ingest.mqtt.PublishRateLimitHandler;
import io.tocsin.ingest.mqtt.PublishValidationHandler;
import io.tocsin.ingest.support.Batches;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.RawMqttClient.Packet;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.proto.MqttTopics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-connection publish rate over a real socket. The rate is one publish per thousand seconds, so only the
 * burst counts during a test: the outcome does not depend on how fast the machine is.
 */
class PublishRateLimitTest {

    private static final String SITE = "park-north";
    private static final String DEVICE = "gw-01";
    private static final String TOPIC = MqttTopics.telemetry(SITE, DEVICE);
    private static final int BURST = 3;

    private TestServer server;

    @BeforeEach
    void startServer() {
        server = TestServer.startWith(builder -> builder.publishLimits(
                PublishLimits.defaults().withPublishRate(0.001, BURST)));
        server.writer.completeImmediately();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void mqtt5ClientAboveItsRateGetsItsAcksThenDisconnect0x96() throws Exception {
        try (RawMqttClient device = new RawMqttClient(server.port())) {
            device.send(RawMqttClient.connectV5(DEVICE, 60));
            assertThat(device.read().type()).isEqualTo(Packet.CONNACK);

            for (int id = 1; id <= BURST + 1; id++) {
                device.send(RawMqttClient.publish(TOPIC, 1, id, Batches.bytes(SITE, DEVICE, id), true));
            }
            for (int id = 1; id <= BURST; id++) {
                Packet ack = device.read();
                assertThat(ack.type()).isEqualTo(Packet.PUBACK);
                assertThat(RawMqttClient.packetId(ack)).isEqualTo(id);
                assertThat(ack.body().length == 2 || ack.unsignedByte(2) == 0).as("PUBACK %d is a success", id)
                        .isTrue();
            }
            Packet disconnect = device.read();
            assertThat(disconnect.type()).as("no PUBACK for the publish above the rate").isEqualTo(Packet.DISCONNECT);
            assertThat(disconnect.unsignedByte(0)).as("message rate too high").isEqualTo(0x96);
            assertThat(device.awaitClosed()).isTrue();
        }
        assertThat(server.writer.appends()).hasSize(BURST);
        assertThat(server.count(PublishValidationHandler.PUBLISH_REFUSED, "reason", PublishRateLimitHandler.REASON_TAG))
                .isEqualTo(1);
    }

    @Test
    void mqtt311ClientAboveItsRateIsClosedWithoutAnAckForTheRefusedPublish() throws Exception {
        try (RawMqttClient device = new RawMqttClient(server.port())) {
            device.send(RawMqttClient.connectV3(DEVICE, 60));
            assertThat(device.read().type()).isEqualTo(Packet.CONNACK);

            for (int id = 1; id <= BURST + 1; id++) {
                device.send(RawMqttClient.publish(TOPIC, 1, id, Batches.bytes(SITE, DEVICE, id), false));
            }
            for (int id = 1; id <= BURST; id++) {
                Packet ack = device.read();
                assertThat(ack.type()).isEqualTo(Packet.PUBACK);
                assertThat(RawMqttClient.packetId(ack)).isEqualTo(id);
            }
            assertThat(device.awaitClosed()).as("closed, and nothing acknowledged the 4th publish").isTrue();
        }
        assertThat(server.writer.appends()).hasSize(BURST);
        assertThat(server.count(PublishValidationHandler.PUBLISH_REFUSED, "reason", PublishRateLimitHandler.REASON_TAG))
                .isEqualTo(1);
    }

    @Test
    void eachConnectionHasItsOwnRate() throws Exception {
        try (RawMqttClient first = new RawMqttClient(server.port());
             RawMqttClient second = new RawMqttClient(server.port())) {
            first.send(RawMqttClient.connectV5("gw-01", 60));
            second.send(RawMqttClient.connectV5("gw-02", 60));
            assertThat(first.read().type()).isEqualTo(Packet.CONNACK);
            assertThat(second.read().type()).isEqualTo(Packet.CONNACK);

            String otherTopic = MqttTopics.telemetry(SITE, "gw-02");
            for (int id = 1; id <= BURST; id++) {
                first.send(RawMqttClient.publish(TOPIC, 1, id, Batches.bytes(SITE, DEVICE, id), true));
                second.send(RawMqttClient.publish(otherTopic, 1, id, Batches.bytes(SITE, "gw-02", id), true));
            }
            for (int id = 1; id <= BURST; id++) {
                assertThat(first.read().type()).isEqualTo(Packet.PUBACK);
                assertThat(second.read().type()).isEqualTo(Packet.PUBACK);
            }
        }
        assertThat(server.count(PublishValidationHandler.PUBLISH_REFUSED, "reason", PublishRateLimitHandler.REASON_TAG))
                .isZero();
    }
}
