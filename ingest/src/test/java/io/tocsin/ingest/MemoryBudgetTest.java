package io.tocsin.ingest;

import io.tocsin.ingest.mqtt.ConnectedClient;
import io.tocsin.ingest.mqtt.InFlightMemoryBudget;
import io.tocsin.ingest.support.Batches;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.RawMqttClient.Packet;
import io.tocsin.ingest.support.RecordingTelemetryWriter.Append;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.ingest.support.V5Client;
import io.tocsin.proto.MqttTopics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The global budget of telemetry bytes waiting for the log, over real sockets, with a telemetry log whose answers
 * the test gives. The budget is set so that two batches in flight exceed it and none resumes reading.
 */
class MemoryBudgetTest {

    private static final String SITE = "park-north";
    private static final int BATCH_BYTES = Batches.bytes(SITE, "gw-01", 1).length;

    private TestServer server;

    @BeforeEach
    void startServer() {
        server = TestServer.startWith(builder -> builder.publishLimits(
                PublishLimits.defaults().withMemoryBudget(BATCH_BYTES + 1, 0)));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void aboveTheBudgetNoConnectionIsReadUntilTheLogCaughtUp() throws Exception {
        try (RawMqttClient first = connect("gw-01");
             RawMqttClient second = connect("gw-02");
             RawMqttClient third = connect("gw-03")) {
            first.send(publish("gw-01", 1));
            Append firstWrite = server.writer.awaitAppend(0);
            assertThat(budgetBytes()).as("one batch is within the budget").isEqualTo(BATCH_BYTES);
            assertThat(reading("gw-03")).isTrue();

            second.send(publish("gw-02", 1));
            Append secondWrite = server.writer.awaitAppend(1);
            await().until(() -> server.count(InFlightMemoryBudget.BUDGET_PAUSES) == 1);
            await().until(() -> !reading("gw-01") && !reading("gw-02") && !reading("gw-03"));
            assertThat(budgetBytes()).isEqualTo(2 * BATCH_BYTES);

            third.send(publish("gw-03", 1));
            try (V5Client console = V5Client.connect(server.uri(), "console")) {
                // A console connecting now is served (it sends no telemetry); by the time its probe came back, a
                // third batch read from its socket would have reached the log.
                console.sync(server);
            }
            assertThat(server.writer.appends()).as("the third device's batch is not read").hasSize(2);

            firstWrite.succeed();
            assertThat(pubAck(first)).isEqualTo(1);
            assertThat(reading("gw-03")).as("one batch left is still above the low water mark (0)").isFalse();

            secondWrite.succeed();
            assertThat(pubAck(second)).isEqualTo(1);
            Append thirdWrite = server.writer.awaitAppend(2);
            thirdWrite.succeed();
            assertThat(pubAck(third)).isEqualTo(1);
        }
        await().until(() -> budgetBytes() == 0);
        assertThat(server.count(InFlightMemoryBudget.BUDGET_PAUSES)).isEqualTo(1);
    }

    @Test
    void aFailedWriteGivesItsBytesBackToo() throws Exception {
        try (RawMqttClient first = connect("gw-01")) {
            first.send(publish("gw-01", 1));
            first.send(publish("gw-01", 2));
            server.writer.awaitAppend(1);
            await().until(() -> !reading("gw-01"));

            server.writer.awaitAppend(0).fail();
            server.writer.awaitAppend(1).fail();
            Packet ack = first.read();
            assertThat(ack.type()).isEqualTo(Packet.PUBACK);
            assertThat(ack.unsignedByte(2)).as("not stored: resend").isEqualTo(0x80);
            await().until(() -> budgetBytes() == 0 && reading("gw-01"));
        }
    }

    private RawMqttClient connect(String clientId) throws Exception {
        RawMqttClient client = new RawMqttClient(server.port());
        client.send(RawMqttClient.connectV5(clientId, 60));
        assertThat(client.read().type()).isEqualTo(Packet.CONNACK);
        return client;
    }

    private static byte[] publish(String device, int packetId) {
        return RawMqttClient.publish(MqttTopics.telemetry(SITE, device), 1, packetId,
                Batches.bytes(SITE, device, packetId), true);
    }

    private static int pubAck(RawMqttClient client) throws Exception {
        Packet ack = client.read();
        assertThat(ack.type()).isEqualTo(Packet.PUBACK);
        return RawMqttClient.packetId(ack);
    }

    private boolean reading(String clientId) {
        ConnectedClient client = server.server.clients().find(clientId).orElseThrow();
        return client.channel().config().isAutoRead();
    }

    private double budgetBytes() {
        return server.meters.get(InFlightMemoryBudget.IN_FLIGHT_BYTES).gauge().value();
    }
}
