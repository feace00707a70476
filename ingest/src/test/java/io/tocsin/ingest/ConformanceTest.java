package io.tocsin.ingest;

import io.tocsin.ingest.pubsub.Sessions;
import io.tocsin.ingest.support.CommandLineTool;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.RawMqttClient.Packet;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.ingest.support.V3Client;
import io.tocsin.ingest.support.V5Client;
import io.tocsin.ingest.mqtt.ConnectHandler;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Retained messages, wills (with MQTT 5 will delay), topic aliases, user properties, message expiry. */
class ConformanceTest {

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
    void aRetainedMessageGoesToLaterSubscribersUntilAnEmptyOneDeletesIt() throws Exception {
        try (V5Client siren = V5Client.connect(server.uri(), "siren-1")) {
            siren.paho().publish("sirens/s1/state", bytes("armed"), 1, true).waitForCompletion(V5Client.TIMEOUT_MS);
        }
        try (V5Client console = V5Client.connect(server.uri(), "console-r")) {
            console.subscribe("sirens/+/state", 1);
            V5Client.Received state = console.awaitMessage();
            assertThat(state.text()).isEqualTo("armed");
            assertThat(state.retained()).isTrue();
        }
        try (V5Client siren = V5Client.connect(server.uri(), "siren-1")) {
            siren.paho().publish("sirens/s1/state", new byte[0], 1, true).waitForCompletion(V5Client.TIMEOUT_MS);
        }
        try (V5Client console = V5Client.connect(server.uri(), "console-r2")) {
            console.subscribe("sirens/#", 1);
            console.sync(server);
            assertThat(console.received()).isEmpty();
        }
    }

    @Test
    void mosquittoClientsRetainAndReceive() throws Exception {
        CommandLineTool.require("mosquitto_pub", "mosquitto-clients");
        String port = String.valueOf(server.port());
        var published = CommandLineTool.run(20, "mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-r", "-q", "1",
                "-t", "sites/park-north/rollcall", "-m", "12 present");
        assertThat(published.exitCode()).as(published.output()).isZero();
        var received = CommandLineTool.run(20, "mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-V", "mqttv5",
                "-t", "sites/+/rollcall", "-C", "1", "-W", "5", "-v");
        assertThat(received.output().strip()).isEqualTo("sites/park-north/rollcall 12 present");
    }

    @Test
    void theWillIsPublishedWhenTheConnectionIsLostButNotAfterADisconnect() throws Exception {
        try (V5Client console = V5Client.connect(server.uri(), "console-w")) {
            console.subscribe("gateways/+/status", 1);
            V3Client gateway = V3Client.connect(server.uri(), "gw-will",
                    o -> o.setWill("gateways/gw-will/status", bytes("lost"), 1, false));
            gateway.paho().disconnectForcibly(0, 1000, false); // no DISCONNECT: like a cut cable
            gateway.paho().close(true);
            assertThat(console.awaitMessage().text()).isEqualTo("lost");

            try (V3Client polite = V3Client.connect(server.uri(), "gw-polite",
                    o -> o.setWill("gateways/gw-polite/status", bytes("lost"), 1, false))) {
                polite.paho().disconnect().waitForCompletion(V3Client.TIMEOUT_MS);
            }
            await().until(() -> server.server.clients().find("gw-polite").isEmpty());
            console.sync(server);
            assertThat(console.received()).isEmpty();
        }
        assertThat(server.count(Sessions.WILLS_PUBLISHED)).isEqualTo(1);
    }

    @Test
    void anMqtt5WillWaitsForItsDelayAndIsCancelledByAReturn() throws Exception {
        try (V5Client console = V5Client.connect(server.uri(), "console-d")) {
            console.subscribe("gateways/#", 1);
            V5Client back = willWithDelay("gw-back");
            back.paho().disconnectForcibly(0, 1000, false);
            back.paho().close(true);
            try (V5Client again = V5Client.connect(server.uri(), "gw-back", o -> {
                o.setCleanStart(false);
                o.setSessionExpiryInterval(60L);
            })) {
                V5Client gone = willWithDelay("gw-gone");
                gone.paho().disconnectForcibly(0, 1000, false);
                gone.paho().close(true);
                // Only gw-gone's will arrives, after its 1 s delay; gw-back's (due at the same time) never does.
                V5Client.Received will = console.awaitMessage();
                assertThat(will.topic()).isEqualTo("gateways/gw-gone/status");
                assertThat(will.properties().getUserProperties()).contains(new UserProperty("cause", "will"));
                console.sync(server);
                assertThat(console.received()).isEmpty();
            }
        }
    }

    @Test
    void mosquittoSubKilledLeavesItsWill() throws Exception {
        CommandLineTool.require("mosquitto_sub", "mosquitto-clients");
        try (V5Client console = V5Client.connect(server.uri(), "console-m")) {
            console.subscribe("consoles/+/status", 1);
            Process sub = CommandLineTool.start(dir.resolve("sub.out"), "mosquitto_sub", "-h", "127.0.0.1", "-p",
                    String.valueOf(server.port()), "-i", "mosq-will", "-t", "nothing/here",
                    "--will-topic", "consoles/mosq/status", "--will-payload", "offline", "--will-qos", "1");
            await().until(() -> server.server.clients().find("mosq-will").isPresent());
            sub.destroyForcibly().waitFor();
            assertThat(console.awaitMessage().text()).isEqualTo("offline");
        }
    }

    @Test
    void aWillOnAnAlarmTopicIsRefused() throws Exception {
        try {
            V5Client.connect(server.uri(), "forger", o -> o.setWill("tocsin/v1/alarms/park-north",
                    new MqttMessage(bytes("fake alarm"))));
            throw new AssertionError("connected");
        } catch (org.eclipse.paho.mqttv5.common.MqttException e) {
            assertThat(e.getReasonCode()).isEqualTo(0x87);
        }
    }

    @Test
    void topicAliasesAreResolved() throws Exception {
        try (V5Client console = V5Client.connect(server.uri(), "console-a");
             RawMqttClient raw = new RawMqttClient(server.port())) {
            console.subscribe("chat/#", 1);
            raw.send(RawMqttClient.connectV5("aliaser", 30));
            assertThat(raw.read().type()).isEqualTo(Packet.CONNACK);
            raw.send(RawMqttClient.publishWithAlias("chat/long/topic/name", 3, 1, 1, bytes("first")));
            assertThat(raw.read().type()).isEqualTo(Packet.PUBACK);
            raw.send(RawMqttClient.publishWithAlias("", 3, 1, 2, bytes("second")));
            assertThat(raw.read().type()).isEqualTo(Packet.PUBACK);
            assertThat(console.awaitMessage().topic()).isEqualTo("chat/long/topic/name");
            V5Client.Received second = console.awaitMessage();
            assertThat(second.topic()).isEqualTo("chat/long/topic/name");
            assertThat(second.text()).isEqualTo("second");

            raw.send(RawMqttClient.publishWithAlias("", 4, 1, 3, bytes("unknown alias")));
            Packet disconnect = raw.read();
            assertThat(disconnect.type()).isEqualTo(Packet.DISCONNECT);
            assertThat(disconnect.unsignedByte(0)).isEqualTo(0x82);
        }
        assertThat(server.count(ConnectHandler.PROTOCOL_ERRORS, "reason", "topic_alias_unknown")).isEqualTo(1);
    }

    @Test
    void userPropertiesAndMessageExpiryAreForwarded() throws Exception {
        try (V5Client console = V5Client.connect(server.uri(), "console-p");
             V5Client sender = V5Client.connect(server.uri(), "sender-p")) {
            console.subscribe("chat/#", 1);
            MqttMessage message = new MqttMessage(bytes("hi"));
            message.setQos(1);
            MqttProperties properties = new MqttProperties();
            properties.setUserProperties(List.of(new UserProperty("station", "7")));
            properties.setMessageExpiryInterval(120L);
            message.setProperties(properties);
            sender.paho().publish("chat/room", message).waitForCompletion(V5Client.TIMEOUT_MS);
            V5Client.Received received = console.awaitMessage();
            assertThat(received.properties().getUserProperties()).containsExactly(new UserProperty("station", "7"));
            assertThat(received.properties().getMessageExpiryInterval()).isBetween(119L, 120L);
        }
    }

    private V5Client willWithDelay(String clientId) throws Exception {
        MqttMessage will = new MqttMessage(bytes("gone"));
        will.setQos(1);
        MqttProperties willProperties = new MqttProperties();
        willProperties.setWillDelayInterval(1L);
        willProperties.setUserProperties(List.of(new UserProperty("cause", "will")));
        return V5Client.connect(server.uri(), clientId, o -> {
            o.setCleanStart(false);
            o.setSessionExpiryInterval(60L);
            o.setWill("gateways/" + clientId + "/status", will);
            o.setWillMessageProperties(willProperties);
        });
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
