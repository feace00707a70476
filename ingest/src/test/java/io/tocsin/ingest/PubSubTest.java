package io.tocsin.ingest;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.tocsin.ingest.mqtt.PublishValidationHandler;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.RawMqttClient.Packet;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.ingest.support.V3Client;
import io.tocsin.ingest.support.V5Client;
import io.tocsin.ingest.support.V5Client.Received;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;
import io.tocsin.proto.v1.Severity;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class PubSubTest {

    private TestServer server;

    @BeforeEach
    void startServer() {
        server = TestServer.start();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private static byte[] text(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void wildcardSubscriptionsReceiveWhatTheyMatchAndNothingElse() throws Exception {
        try (V5Client console = V5Client.connect(server.uri(), "console");
             V3Client siren = V3Client.connect(server.uri(), "siren")) {
            console.subscribe("site/+/siren/#", 1);

            // From one publisher, messages arrive in order: the last one arriving proves the others were skipped.
            siren.publishAndWait("site/north/horn/state", text("not matched: horn"), 1);
            siren.publishAndWait("site/north/south/siren/state", text("not matched: two levels for +"), 1);
            siren.publishAndWait("site/north/siren", text("matched: # matches the parent"), 1);
            siren.publishAndWait("site/north/siren/state", text("matched: # one level"), 0);

            Received first = console.awaitMessage();
            assertThat(first.topic()).isEqualTo("site/north/siren");
            assertThat(first.text()).isEqualTo("matched: # matches the parent");
            assertThat(first.qos()).isEqualTo(1);
            Received second = console.awaitMessage();
            assertThat(second.topic()).isEqualTo("site/north/siren/state");
            assertThat(second.qos()).isZero();
            assertThat(console.received()).isEmpty();
        }
    }

    @Test
    void dollarTopicsAreNotMatchedByFiltersStartingWithAWildcard() throws Exception {
        try (V5Client everything = V5Client.connect(server.uri(), "everything");
             V5Client system = V5Client.connect(server.uri(), "system");
             V3Client publisher = V3Client.connect(server.uri(), "publisher")) {
            everything.subscribe("#", 0);
            everything.subscribe("+/status", 0);
            system.subscribe("$SYS/#", 0);

            publisher.publishAndWait("$SYS/status", text("system"), 1);
            publisher.publishAndWait("plain/status", text("plain"), 1);

            assertThat(system.awaitMessage().topic()).isEqualTo("$SYS/status");
            assertThat(everything.awaitMessage().topic()).isEqualTo("plain/status");
            assertThat(everything.received()).isEmpty();
        }
    }

    @Test
    void invalidFiltersAreRefusedInTheSubAckAndValidOnesGranted() throws Exception {
        try (RawMqttClient v3 = new RawMqttClient(server.port());
             RawMqttClient v5 = new RawMqttClient(server.port())) {
            v3.send(RawMqttClient.connectV3("raw-3", 30));
            assertThat(v3.read().type()).isEqualTo(Packet.CONNACK);
            v3.send(RawMqttClient.subscribe(7, false, "a/#/b", "ok/+", "a+/b", "#"));
            Packet subAck = v3.read();
            assertThat(subAck.type()).isEqualTo(Packet.SUBACK);
            // packet id 7, then one code per filter
            assertThat(subAck.body()).containsExactly(0x00, 0x07, 0x80, 0x01, 0x80, 0x01);

            v5.send(RawMqttClient.connectV5("raw-5", 30));
            assertThat(v5.read().type()).isEqualTo(Packet.CONNACK);
            v5.send(RawMqttClient.subscribe(8, true, "sport/tennis#", "ok/#", "$share/group/x", "$share/g+/x",
                    "$share/group"));
            subAck = v5.read();
            assertThat(subAck.type()).isEqualTo(Packet.SUBACK);
            // packet id 8, no properties, then one code per filter
            assertThat(subAck.body()).containsExactly(0x00, 0x08, 0x00, 0x8F, 0x01, 0x01, 0x8F, 0x8F);
        }
    }

    @Test
    void aSharedSubscriptionGivesEachMessageToOneConsoleOfTheGroupTakingTurns() throws Exception {
        try (V5Client first = V5Client.connect(server.uri(), "room-console-1");
             V5Client second = V5Client.connect(server.uri(), "room-console-2");
             V5Client publisher = V5Client.connect(server.uri(), "dispatcher")) {
            first.subscribe("$share/control-room/tasks/#", 1);
            second.subscribe("$share/control-room/tasks/#", 1);
            for (int i = 0; i < 4; i++) {
                publisher.publishAndWait("tasks/inspect", text("task " + i), 1);
            }
            first.sync(server);
            second.sync(server);
            assertThat(first.received()).hasSize(2);
            assertThat(second.received()).hasSize(2);

            second.close();
            await().until(() -> server.server.clients().find("room-console-2").isEmpty());
            publisher.publishAndWait("tasks/inspect", text("task 4"), 1);
            publisher.publishAndWait("tasks/inspect", text("task 5"), 1);
            first.sync(server);
            assertThat(first.received()).as("the connected member gets everything").hasSize(4);
        }
    }

    @Test
    void overlappingSubscriptionsDeliverOnceAtTheHighestGrantedQos() throws Exception {
        try (V5Client subscriber = V5Client.connect(server.uri(), "overlap");
             V5Client publisher = V5Client.connect(server.uri(), "publisher")) {
            subscriber.subscribe("plant/#", 0);
            subscriber.subscribe("plant/valve", 1);

            publisher.publishAndWait("plant/valve", text("both match"), 1);
            publisher.publishAndWait("plant/pump", text("one matches"), 1);

            Received valve = subscriber.awaitMessage();
            assertThat(valve.topic()).isEqualTo("plant/valve");
            assertThat(valve.qos()).isEqualTo(1);
            Received pump = subscriber.awaitMessage();
            assertThat(pump.topic()).as("no second copy of plant/valve").isEqualTo("plant/pump");
            assertThat(pump.qos()).isZero();
        }
    }

    @Test
    void unsubscribedFiltersNoLongerDeliver() throws Exception {
        try (V5Client subscriber = V5Client.connect(server.uri(), "subscriber");
             V5Client publisher = V5Client.connect(server.uri(), "publisher")) {
            subscriber.subscribe("a/+", 1);
            subscriber.subscribe("b/+", 1);

            IMqttToken unsubscribed = subscriber.unsubscribe("a/+");
            assertThat(unsubscribed.getReasonCodes()).containsExactly(0x00);
            assertThat(subscriber.unsubscribe("never/subscribed").getReasonCodes()).containsExactly(0x11);

            publisher.publishAndWait("a/1", text("gone"), 1);
            publisher.publishAndWait("b/1", text("kept"), 1);
            assertThat(subscriber.awaitMessage().topic()).isEqualTo("b/1");
            assertThat(subscriber.received()).isEmpty();
        }
    }

    @Test
    void noLocalSubscriptionsDoNotEchoTheClientsOwnMessages() throws Exception {
        try (V5Client client = V5Client.connect(server.uri(), "talker");
             V5Client other = V5Client.connect(server.uri(), "other")) {
            MqttSubscription noLocal = new MqttSubscription("talk/#", 1);
            noLocal.setNoLocal(true);
            client.paho().subscribe(noLocal).waitForCompletion(V5Client.TIMEOUT_MS);

            client.publishAndWait("talk/mine", text("mine"), 1);
            other.publishAndWait("talk/theirs", text("theirs"), 1);
            assertThat(client.awaitMessage().topic()).isEqualTo("talk/theirs");
            assertThat(client.received()).isEmpty();
        }
    }

    @Test
    void serverPublishReachesEveryAlarmSubscriber() throws Exception {
        byte[] alarm = AlarmEvent.newBuilder()
                .setAlarmId("park-north/gas-03/high/1")
                .setSiteId("park-north")
                .setSensorId("gas-03")
                .setSeverity(Severity.SEVERITY_RED)
                .setState(AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED)
                .setValue(42)
                .setThreshold(20)
                .build().toByteArray();
        try (V5Client station = V5Client.connect(server.uri(), "station-1");
             V3Client controlRoom = V3Client.connect(server.uri(), "control-room");
             V5Client otherSite = V5Client.connect(server.uri(), "station-south")) {
            station.subscribe(MqttTopics.ALL_ALARMS, 1);
            controlRoom.subscribe(MqttTopics.ALL_ALARMS, 1);
            otherSite.subscribe(MqttTopics.alarms("park-south"), 1);

            int reached = server.server.publish(MqttTopics.alarms("park-north"), alarm, MqttQoS.AT_LEAST_ONCE);

            assertThat(reached).isEqualTo(2);
            for (Received received : new Received[] {station.awaitMessage(), controlRoom.awaitMessage()}) {
                assertThat(received.topic()).isEqualTo("tocsin/v1/alarms/park-north");
                assertThat(received.qos()).isEqualTo(1);
                assertThat(AlarmEvent.parseFrom(received.payload()).getAlarmId()).isEqualTo("park-north/gas-03/high/1");
            }
            otherSite.sync(server);
            assertThat(otherSite.received()).isEmpty();
        }
    }

    @Test
    void clientsCannotPublishOnAlarmTopics() throws Exception {
        try (V5Client station = V5Client.connect(server.uri(), "station");
             V5Client prankster = V5Client.connect(server.uri(), "prankster")) {
            station.subscribe(MqttTopics.ALL_ALARMS, 1);

            IMqttToken token = prankster.publishAndWait(MqttTopics.alarms("park-north"), text("fake alarm"), 1);

            assertThat(token.getReasonCodes()).containsExactly(0x87); // not authorized
            station.sync(server);
            assertThat(station.received()).isEmpty();
        }
        assertThat(server.count(PublishValidationHandler.PUBLISH_REFUSED, "reason", "reserved_topic")).isEqualTo(1);
    }

    @Test
    void subscriptionsAreRemovedWhenTheConnectionCloses() throws Exception {
        V5Client station = V5Client.connect(server.uri(), "leaving");
        station.subscribe(MqttTopics.ALL_ALARMS, 1);
        assertThat(server.server.publish(MqttTopics.alarms("x"), text("1"), MqttQoS.AT_LEAST_ONCE)).isEqualTo(1);

        station.close();

        await().until(() -> server.server.publish(MqttTopics.alarms("x"), text("2"), MqttQoS.AT_LEAST_ONCE) == 0);
    }
}
