package io.tocsin.ingest;

import io.tocsin.ingest.mqtt.ExactlyOnceHandler;
import io.tocsin.ingest.support.Batches;
import io.tocsin.ingest.support.CommandLineTool;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.RawMqttClient.Packet;
import io.tocsin.ingest.support.RecordingTelemetryWriter.Append;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.ingest.support.V5Client;
import io.tocsin.proto.MqttTopics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** QoS 2 from devices: PUBREC only once the telemetry log has the batch, a resend is not written twice. */
class ExactlyOnceTest {

    private static final String SITE = "park-north";
    private static final String DEVICE = "gw-q2";
    private static final String TOPIC = MqttTopics.telemetry(SITE, DEVICE);

    private TestServer server;

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        server = TestServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void pubrecFollowsTheWriteAndAResendIsNotWrittenTwice() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            raw.send(RawMqttClient.connectV5(DEVICE, 30));
            assertThat(raw.read().type()).isEqualTo(Packet.CONNACK);
            byte[] publish = RawMqttClient.publish(TOPIC, 2, 7, Batches.bytes(SITE, DEVICE, 1), true);
            raw.send(publish);
            Append append = server.writer.awaitAppend(0);
            // Nothing may come back before the write: a PINGRESP proves the server answered everything before it.
            raw.send(RawMqttClient.pingReq());
            assertThat(raw.read().type()).as("PUBREC before the log had the batch").isEqualTo(Packet.PINGRESP);

            append.succeed();
            Packet pubRec = raw.read();
            assertThat(pubRec.type()).isEqualTo(Packet.PUBREC);
            assertThat(RawMqttClient.packetId(pubRec)).isEqualTo(7);

            raw.send(RawMqttClient.dup(publish)); // the device did not see the PUBREC and resends
            Packet again = raw.read();
            assertThat(again.type()).isEqualTo(Packet.PUBREC);
            assertThat(RawMqttClient.packetId(again)).isEqualTo(7);
            assertThat(server.writer.appends()).hasSize(1);
            assertThat(server.count(ExactlyOnceHandler.DUPLICATES)).isEqualTo(1);

            raw.send(RawMqttClient.pubRel(7));
            Packet pubComp = raw.read();
            assertThat(pubComp.type()).isEqualTo(Packet.PUBCOMP);
            assertThat(RawMqttClient.packetId(pubComp)).isEqualTo(7);

            raw.send(RawMqttClient.pubRel(8)); // never published
            Packet unknown = raw.read();
            assertThat(unknown.type()).isEqualTo(Packet.PUBCOMP);
            assertThat(unknown.unsignedByte(2)).isEqualTo(0x92);
        }
    }

    @Test
    void aFailedWriteGetsAnErrorPubrecAndTheIdIsFreeAgain() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            raw.send(RawMqttClient.connectV5(DEVICE, 30));
            assertThat(raw.read().type()).isEqualTo(Packet.CONNACK);
            byte[] publish = RawMqttClient.publish(TOPIC, 2, 9, Batches.bytes(SITE, DEVICE, 1), true);
            raw.send(publish);
            server.writer.awaitAppend(0).fail();
            Packet pubRec = raw.read();
            assertThat(pubRec.type()).isEqualTo(Packet.PUBREC);
            assertThat(pubRec.unsignedByte(2)).isEqualTo(0x80);

            raw.send(publish); // a new attempt with the same id is a new message
            server.writer.awaitAppend(1).succeed();
            Packet retried = raw.read();
            assertThat(retried.type()).isEqualTo(Packet.PUBREC);
            assertThat(retried.body().length == 2 || retried.unsignedByte(2) == 0).isTrue();
        }
    }

    @Test
    void aQos2ChatMessageReachesQos2SubscribersAtQos2() throws Exception {
        server.writer.completeImmediately();
        try (V5Client console = V5Client.connect(server.uri(), "console");
             V5Client sender = V5Client.connect(server.uri(), "sender")) {
            assertThat(console.subscribe("chat/#", 2).getReasonCodes()).containsExactly(2);
            assertThat(sender.publishAndWait("chat/room", "hello".getBytes(StandardCharsets.UTF_8), 2)
                    .getException()).isNull();
            V5Client.Received received = console.awaitMessage();
            assertThat(received.text()).isEqualTo("hello");
            assertThat(received.qos()).isEqualTo(2);
        }
    }

    @Test
    void mosquittoPubSendsTelemetryAtQos2() throws Exception {
        CommandLineTool.require("mosquitto_pub", "mosquitto-clients");
        server.writer.completeImmediately();
        Path batch = Files.write(dir.resolve("batch.bin"), Batches.bytes(SITE, DEVICE, 5));
        for (String version : new String[] {"mqttv5", "mqttv311"}) {
            var outcome = CommandLineTool.run(20, "mosquitto_pub", "-h", "127.0.0.1", "-p",
                    String.valueOf(server.port()), "-V", version, "-i", DEVICE + "-" + version, "-q", "2",
                    "-t", TOPIC, "-f", batch.toString(), "-d");
            assertThat(outcome.exitCode()).as(outcome.output()).isZero();
            assertThat(outcome.output()).contains("PUBREC").contains("PUBCOMP");
        }
        assertThat(server.writer.appends()).hasSize(2);
    }
}
