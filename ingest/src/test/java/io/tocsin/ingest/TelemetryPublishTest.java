package io.tocsin.ingest;

import io.tocsin.ingest.mqtt.InFlightPublishes;
import io.tocsin.ingest.mqtt.PublishValidationHandler;
import io.tocsin.ingest.support.Batches;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.RawMqttClient.Packet;
import io.tocsin.ingest.support.RecordingTelemetryWriter.Append;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.ingest.support.V3Client;
import io.tocsin.ingest.support.V5Client;
import io.tocsin.ingest.telemetry.TelemetryPublishHandler;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.MqttTopics.DeviceAddress;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.common.packet.MqttPubAck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class TelemetryPublishTest {

    private static final String SITE = "park-north";
    private static final String DEVICE = "gw-01";
    private static final String TOPIC = MqttTopics.telemetry(SITE, DEVICE);

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
    void telemetryIsAcknowledgedOnlyAfterTheWriteCompleted() throws Exception {
        try (V5Client device = V5Client.connect(server.uri(), "gw-01")) {
            byte[] batch = Batches.bytes(SITE, DEVICE, 1);
            IMqttToken token = device.publish(TOPIC, batch, 1);

            Append append = server.writer.awaitAppend(0);
            device.sync(server); // a PUBACK sent at append time would have arrived by now
            assertThat(token.isComplete()).as("acknowledged before the log had it").isFalse();

            append.succeed();
            token.waitForCompletion(V5Client.TIMEOUT_MS);
            assertThat(token.getException()).isNull();
            assertThat(token.getReasonCodes()).containsExactly(0x00);
            assertThat(append.address()).isEqualTo(new DeviceAddress(SITE, DEVICE));
            assertThat(append.payload()).isEqualTo(batch);
        }
        assertThat(server.count(TelemetryPublishHandler.ACCEPTED)).isEqualTo(1);
    }

    @Test
    void mqtt311TelemetryIsAlsoAcknowledgedOnlyAfterTheWrite() throws Exception {
        try (V3Client device = V3Client.connect(server.uri(), "gw-01")) {
            IMqttDeliveryToken token = device.publish(TOPIC, Batches.bytes(SITE, DEVICE, 1), 1);

            Append append = server.writer.awaitAppend(0);
            device.sync(server);
            assertThat(token.isComplete()).isFalse();

            append.succeed();
            token.waitForCompletion(V3Client.TIMEOUT_MS);
            assertThat(token.getException()).isNull();
        }
    }

    @Test
    void failedWriteGivesMqtt5APubAckWithUnspecifiedError() throws Exception {
        try (V5Client device = V5Client.connect(server.uri(), "gw-01")) {
            IMqttToken token = device.publish(TOPIC, Batches.bytes(SITE, DEVICE, 1), 1);

            server.writer.awaitAppend(0).fail();

            token.waitForCompletion(V5Client.TIMEOUT_MS);
            assertThat(token.getReasonCodes()).containsExactly(0x80);
            assertThat(((MqttPubAck) token.getResponse()).getProperties().getReasonString())
                    .contains("telemetry log unavailable");
            assertThat(device.isConnected()).as("the device stays connected to resend").isTrue();
        }
        assertThat(server.count(TelemetryPublishHandler.WRITE_FAILED)).isEqualTo(1);
        assertThat(server.count(TelemetryPublishHandler.ACCEPTED)).isZero();
    }

    @Test
    void failedWriteClosesTheConnectionOfAnMqtt311Client() throws Exception {
        try (V3Client device = V3Client.connect(server.uri(), "gw-01")) {
            IMqttDeliveryToken token = device.publish(TOPIC, Batches.bytes(SITE, DEVICE, 1), 1);

            server.writer.awaitAppend(0).fail();

            device.awaitConnectionLost();
            // No PUBACK came before the close: Paho reports the delivery as failed, so the device resends.
            assertThat(token.getException()).isNotNull();
            assertThat(token.getException().getReasonCode())
                    .isEqualTo(org.eclipse.paho.client.mqttv3.MqttException.REASON_CODE_CONNECTION_LOST);
        }
        assertThat(server.count(TelemetryPublishHandler.WRITE_FAILED)).isEqualTo(1);
    }

    @Test
    void pubAcksKeepTheOrderOfPublishesWhenWritesCompleteInReverse() throws Exception {
        try (V5Client device = V5Client.connect(server.uri(), "gw-01")) {
            IMqttToken first = device.publish(TOPIC, Batches.bytes(SITE, DEVICE, 1), 1);
            IMqttToken second = device.publish(TOPIC, Batches.bytes(SITE, DEVICE, 2), 1);
            Append firstAppend = server.writer.awaitAppend(0);
            Append secondAppend = server.writer.awaitAppend(1);

            secondAppend.succeed();
            device.sync(server);
            assertThat(second.isComplete()).as("second PUBACK overtook the first").isFalse();

            firstAppend.succeed();
            first.waitForCompletion(V5Client.TIMEOUT_MS);
            second.waitForCompletion(V5Client.TIMEOUT_MS);
            assertThat(first.getReasonCodes()).containsExactly(0x00);
            assertThat(second.getReasonCodes()).containsExactly(0x00);
        }
    }

    @Test
    void refusedBatchesGetPayloadFormatInvalidAndOthersAreUnaffected() throws Exception {
        try (V5Client device = V5Client.connect(server.uri(), "gw-01");
             V5Client console = V5Client.connect(server.uri(), "console");
             V5Client other = V5Client.connect(server.uri(), "gw-02")) {
            server.writer.completeImmediately();
            console.subscribe("site/+/siren", 1);

            IMqttToken notABatch = device.publishAndWait(TOPIC, "{\"gas\": 12}".getBytes(StandardCharsets.UTF_8), 1);
            IMqttToken otherSite = device.publishAndWait(TOPIC, Batches.bytes("park-south", DEVICE, 1), 1);
            IMqttToken otherDevice = device.publishAndWait(TOPIC, Batches.bytes(SITE, "gw-99", 1), 1);
            IMqttToken empty = device.publishAndWait(TOPIC,
                    Batches.batch(SITE, DEVICE, 1).toBuilder().clearReadings().build().toByteArray(), 1);
            IMqttToken badTopic = device.publishAndWait(TOPIC + "/extra", Batches.bytes(SITE, DEVICE, 1), 1);

            assertThat(notABatch.getReasonCodes()).containsExactly(0x99);
            assertThat(otherSite.getReasonCodes()).containsExactly(0x99);
            assertThat(otherDevice.getReasonCodes()).containsExactly(0x99);
            assertThat(empty.getReasonCodes()).containsExactly(0x99);
            assertThat(badTopic.getReasonCodes()).containsExactly(0x90);
            assertThat(((MqttPubAck) otherSite.getResponse()).getProperties().getReasonString()).contains("park-south");
            assertThat(server.writer.appends()).isEmpty();

            String refused = PublishValidationHandler.PUBLISH_REFUSED;
            assertThat(server.count(refused, "reason", "bad_payload")).isEqualTo(1);
            assertThat(server.count(refused, "reason", "site_device_mismatch")).isEqualTo(2);
            assertThat(server.count(refused, "reason", "empty_batch")).isEqualTo(1);
            assertThat(server.count(refused, "reason", "bad_topic")).isEqualTo(1);

            // The refusing device stays connected and its next good batch goes through.
            IMqttToken good = device.publishAndWait(TOPIC, Batches.bytes(SITE, DEVICE, 2), 1);
            assertThat(good.getReasonCodes()).containsExactly(0x00);

            // Other clients carry on: telemetry and pub/sub.
            String otherTopic = MqttTopics.telemetry(SITE, "gw-02");
            assertThat(other.publishAndWait(otherTopic, Batches.bytes(SITE, "gw-02", 1), 1).getReasonCodes())
                    .containsExactly(0x00);
            other.publishAndWait("site/park-north/siren", "on".getBytes(StandardCharsets.UTF_8), 1);
            assertThat(console.awaitMessage().text()).isEqualTo("on");
            assertThat(server.writer.appends()).extracting(Append::address)
                    .containsExactly(new DeviceAddress(SITE, DEVICE), new DeviceAddress(SITE, "gw-02"));
        }
    }

    @Test
    void refusedBatchFromAnMqtt311ClientGetsAPlainPubAckAndIsNotWritten() throws Exception {
        try (V3Client device = V3Client.connect(server.uri(), "gw-01")) {
            IMqttDeliveryToken token = device.publishAndWait(TOPIC, new byte[] {0x0A, 0x05}, 1);

            assertThat(token.getException()).isNull();
            assertThat(device.isConnected()).isTrue();
            assertThat(server.writer.appends()).isEmpty();
        }
        assertThat(server.count(PublishValidationHandler.PUBLISH_REFUSED, "reason", "bad_payload")).isEqualTo(1);
    }

    @Test
    void qos0TelemetryIsWrittenWithoutAcknowledgement() throws Exception {
        try (V5Client device = V5Client.connect(server.uri(), "gw-01")) {
            byte[] batch = Batches.bytes(SITE, DEVICE, 1);
            device.publishAndWait(TOPIC, batch, 0);

            Append append = server.writer.awaitAppend(0);
            assertThat(append.payload()).isEqualTo(batch);
            append.succeed();
        }
        await().until(() -> server.count(TelemetryPublishHandler.ACCEPTED) == 1);
    }

    @Test
    void readingPausesWhileTooManyWritesAreInFlightAndResumesWhenTheyDrain() throws Exception {
        try (TestServer small = TestServer.start(config -> config.withMaxInFlightPerConnection(2));
             RawMqttClient device = new RawMqttClient(small.port())) {
            device.send(RawMqttClient.connectV3("gw-01", 60));
            assertThat(device.read().type()).isEqualTo(Packet.CONNACK);

            // One publish at a time, each read by the server before the next is sent, so that the pause
            // cannot be hidden by several publishes arriving in one read.
            for (int i = 0; i < 3; i++) {
                device.send(RawMqttClient.publish(TOPIC, 1, i + 1, Batches.bytes(SITE, DEVICE, i), false));
                small.writer.awaitAppend(i);
            }
            await().until(() -> small.count(InFlightPublishes.READ_PAUSES) == 1);

            // Three in flight, max two: the fourth publish stays in the socket.
            device.send(RawMqttClient.publish(TOPIC, 1, 4, Batches.bytes(SITE, DEVICE, 3), false));
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                    .until(() -> small.writer.appends().size() == 3);

            // Draining to half (one left) resumes reading: the fourth arrives.
            small.writer.appends().get(0).succeed();
            small.writer.appends().get(1).succeed();
            Append fourth = small.writer.awaitAppend(3);
            small.writer.appends().get(2).succeed();
            fourth.succeed();

            for (int packetId = 1; packetId <= 4; packetId++) {
                Packet pubAck = device.read();
                assertThat(pubAck.type()).isEqualTo(Packet.PUBACK);
                assertThat(pubAck.unsignedByte(0) << 8 | pubAck.unsignedByte(1)).isEqualTo(packetId);
            }
        }
    }
}
