package io.tocsin.ingest;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.tocsin.ingest.pubsub.Sessions;
import io.tocsin.ingest.support.CommandLineTool;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.RawMqttClient.Packet;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.ingest.support.V3Client;
import io.tocsin.ingest.support.V5Client;
import io.tocsin.proto.MqttTopics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Persistent sessions: a console that was away gets the alarms it missed, within a bound. */
class SessionTest {

    private static final String ALARMS = MqttTopics.alarms("park-north");
    private static final int MAX_QUEUED = 3;
    private static final int PUBLISH = 3;

    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.startWith(builder -> builder.sessionLimits(
                new SessionLimits(MAX_QUEUED, Duration.ofHours(1))));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void anMqtt5ConsoleGetsWhatItMissedInOrder() throws Exception {
        try (V5Client console = persistentV5("console-1")) {
            assertThat(console.connectToken().getSessionPresent()).isFalse();
            console.subscribe(ALARMS, 1);
        }
        awaitGone("console-1");
        publishAlarms("a1", "a2");
        assertThat(server.server.sessions().queuedFor("console-1")).contains(2);

        try (V5Client console = persistentV5("console-1")) {
            assertThat(console.connectToken().getSessionPresent()).isTrue();
            assertThat(console.awaitMessage().text()).isEqualTo("a1");
            assertThat(console.awaitMessage().text()).isEqualTo("a2");
            // The subscription survived too: live alarms keep coming.
            publishAlarms("a3");
            assertThat(console.awaitMessage().text()).isEqualTo("a3");
        }
    }

    @Test
    void anAlarmSentButNotAcknowledgedIsResentWithDupAfterTheConsoleReturns() throws Exception {
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            raw.send(RawMqttClient.connect("MQTT", 4, "raw-console", 30, false));
            assertThat(raw.read().type()).isEqualTo(Packet.CONNACK);
            raw.send(RawMqttClient.subscribe(1, false, ALARMS));
            assertThat(raw.read().type()).isEqualTo(Packet.SUBACK);
            publishAlarms("fire");
            Packet first = raw.read();
            assertThat(first.type()).isEqualTo(PUBLISH);
            // The console's network dies before it acknowledges.
        }
        awaitGone("raw-console");
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            raw.send(RawMqttClient.connect("MQTT", 4, "raw-console", 30, false));
            Packet connAck = raw.read();
            assertThat(connAck.unsignedByte(0)).as("session present").isEqualTo(1);
            Packet again = raw.read();
            assertThat(again.type()).isEqualTo(PUBLISH);
            assertThat(again.flags() & 0x08).as("DUP").isEqualTo(0x08);
            assertThat(new String(again.body(), StandardCharsets.UTF_8)).endsWith("fire");
            int packetId = again.unsignedByte(2 + ALARMS.length()) << 8 | again.unsignedByte(3 + ALARMS.length());
            raw.send(RawMqttClient.packet(0x40, new byte[] {(byte) (packetId >> 8), (byte) packetId}));
            raw.send(RawMqttClient.pingReq());
            assertThat(raw.read().type()).isEqualTo(Packet.PINGRESP);
        }
        awaitGone("raw-console");
        try (RawMqttClient raw = new RawMqttClient(server.port())) {
            raw.send(RawMqttClient.connect("MQTT", 4, "raw-console", 30, false));
            assertThat(raw.read().type()).isEqualTo(Packet.CONNACK);
            raw.send(RawMqttClient.pingReq());
            assertThat(raw.read().type()).as("acknowledged: not sent again").isEqualTo(Packet.PINGRESP);
        }
    }

    @Test
    void theQueueIsBoundedAndCountsWhatItDropped() throws Exception {
        try (V5Client console = persistentV5("console-2")) {
            console.subscribe(ALARMS, 1);
        }
        awaitGone("console-2");
        publishAlarms("b1", "b2", "b3", "b4", "b5");
        assertThat(server.count(Sessions.QUEUE_OVERFLOW)).isEqualTo(2);
        try (V5Client console = persistentV5("console-2")) {
            assertThat(console.awaitMessage().text()).isEqualTo("b3");
            assertThat(console.awaitMessage().text()).isEqualTo("b4");
            assertThat(console.awaitMessage().text()).isEqualTo("b5");
        }
    }

    @Test
    void anMqtt311ConsoleWithoutCleanSessionKeepsItsSessionAndACleanOneEndsIt() throws Exception {
        try (V3Client console = V3Client.connect(server.uri(), "console-3", o -> o.setCleanSession(false))) {
            console.paho().subscribe(ALARMS, 1).waitForCompletion(V3Client.TIMEOUT_MS);
        }
        awaitGone("console-3");
        publishAlarms("c1");
        try (V3Client console = V3Client.connect(server.uri(), "console-3", o -> o.setCleanSession(false))) {
            assertThat(console.awaitMessage().text()).isEqualTo("c1");
        }
        try (V3Client console = V3Client.connect(server.uri(), "console-3", o -> o.setCleanSession(true))) {
            assertThat(server.server.publish(ALARMS, new byte[] {1}, MqttQoS.AT_LEAST_ONCE)).isZero();
        }
        // The clean session ends when the server has seen the connection close.
        org.awaitility.Awaitility.await().until(() -> server.server.sessions().queuedFor("console-3").isEmpty());
    }

    @Test
    void aCleanSessionEndsWithItsConnection() throws Exception {
        try (V5Client console = V5Client.connect(server.uri(), "console-4")) {
            console.subscribe(ALARMS, 1);
        }
        org.awaitility.Awaitility.await().until(() -> server.server.sessions().queuedFor("console-4").isEmpty());
        assertThat(server.server.publish(ALARMS, new byte[] {1}, MqttQoS.AT_LEAST_ONCE)).isZero();
    }

    @Test
    void mosquittoSubResumesItsSession() throws Exception {
        CommandLineTool.require("mosquitto_sub", "mosquitto-clients");
        String port = String.valueOf(server.port());
        // Subscribe once with a persistent session (-c), leave at once (-W 1 times out without messages).
        var first = CommandLineTool.run(20, "mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-V", "mqttv5",
                "-i", "mosq-console", "-c", "-x", "3600", "-q", "1", "-t", ALARMS, "-W", "1");
        assertThat(first.output()).doesNotContain("Error");
        awaitGone("mosq-console");
        publishAlarms("d1");
        var second = CommandLineTool.run(20, "mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-V", "mqttv5",
                "-i", "mosq-console", "-c", "-x", "3600", "-q", "1", "-t", ALARMS, "-C", "1", "-W", "5");
        assertThat(second.output().strip()).isEqualTo("d1");
    }

    private V5Client persistentV5(String clientId) throws Exception {
        return V5Client.connect(server.uri(), clientId, o -> {
            o.setCleanStart(false);
            o.setSessionExpiryInterval(600L);
        });
    }

    /** Until the server has seen the client's connection close (its session is then offline). */
    private void awaitGone(String clientId) {
        org.awaitility.Awaitility.await().until(() -> server.server.clients().find(clientId).isEmpty());
    }

    private void publishAlarms(String... texts) {
        for (String text : texts) {
            assertThat(server.server.publish(ALARMS, text.getBytes(StandardCharsets.UTF_8), MqttQoS.AT_LEAST_ONCE))
                    .isEqualTo(1);
        }
    }
}
