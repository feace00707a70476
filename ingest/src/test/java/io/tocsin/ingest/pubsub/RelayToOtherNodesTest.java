package io.tocsin.ingest.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.ingest.support.TestServer;
import io.tocsin.ingest.support.V3Client;
import io.tocsin.ingest.support.V5Client;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.TimeoutException;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One ingest node among several: what clients publish to each other goes to this node's subscribers at once and to
 * the other nodes through the {@link ClientMessageRelay}, and a QoS 1 publish is acknowledged only once the relay
 * has it. Real MQTT server and Paho clients; the relay is a stand-in whose answers the test gives (the Kafka
 * relay itself is tested against a real broker in the standalone module, {@code ClientMessagesAcrossNodesTest}).
 */
class RelayToOtherNodesTest {

    private record Relayed(String topic, String payload, int qos, boolean retain, String userProperties,
                           CompletableFuture<Void> answer) {
    }

    private final BlockingQueue<Relayed> relayed = new LinkedBlockingQueue<>();
    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.startWith(builder -> builder.otherNodes((topic, payload, qos, retain, properties) -> {
            CompletableFuture<Void> answer = new CompletableFuture<>();
            relayed.add(new Relayed(topic, new String(payload, StandardCharsets.UTF_8), qos.value(), retain,
                    properties.listAll().toString(), answer));
            return answer;
        }));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Relayed nextRelayed() throws InterruptedException {
        Relayed next = relayed.poll(V5Client.TIMEOUT_MS, TimeUnit.MILLISECONDS);
        assertThat(next).as("a message handed to the other nodes").isNotNull();
        return next;
    }

    @Test
    void theSubscribersHereGetItAtOnceAndThePubackWaitsForTheOtherNodes() throws Exception {
        try (V5Client siren = V5Client.connect(server.uri(), "siren");
             V5Client console = V5Client.connect(server.uri(), "console")) {
            siren.subscribe("sirens/park-1/#", 1);
            MqttProperties properties = new MqttProperties();
            properties.setUserProperties(List.of(new UserProperty("station", "7")));
            org.eclipse.paho.mqttv5.common.MqttMessage message =
                    new org.eclipse.paho.mqttv5.common.MqttMessage("sound".getBytes(StandardCharsets.UTF_8));
            message.setQos(1);
            message.setRetained(true);
            message.setProperties(properties);

            IMqttToken token = console.paho().publish("sirens/park-1/horn-2", message);

            assertThat(siren.awaitMessage().text()).as("delivered here before the other nodes answered")
                    .isEqualTo("sound");
            Relayed handedOn = nextRelayed();
            assertThat(handedOn.topic()).isEqualTo("sirens/park-1/horn-2");
            assertThat(handedOn.payload()).isEqualTo("sound");
            assertThat(handedOn.qos()).isEqualTo(1);
            assertThat(handedOn.retain()).isTrue();
            assertThat(handedOn.userProperties()).contains("station").contains("7");
            assertThat(token.isComplete()).as("no PUBACK before the other nodes have it").isFalse();

            handedOn.answer().complete(null);
            token.waitForCompletion(V5Client.TIMEOUT_MS);
            assertThat(token.getReasonCodes()).containsExactly(0x00);
        }
    }

    @Test
    void whenTheOtherNodesCannotBeHandedItMqtt5GetsPuback0x80AndMqtt311AClosedConnection() throws Exception {
        List<String> heard = new CopyOnWriteArrayList<>();
        try (V5Client v5 = V5Client.connect(server.uri(), "console-5");
             V5Client listener = V5Client.connect(server.uri(), "listener")) {
            listener.subscribe("sirens/#", 1);
            IMqttToken token = v5.publish("sirens/park-1/horn-2", "sound".getBytes(StandardCharsets.UTF_8), 1);
            nextRelayed().answer().completeExceptionally(new TimeoutException("test: Kafka away"));
            token.waitForCompletion(V5Client.TIMEOUT_MS);
            assertThat(token.getReasonCodes()).containsExactly(0x80);
            heard.add(listener.awaitMessage().text()); // this node's subscribers got it all the same
            assertThat(v5.isConnected()).isTrue();

            V3Client v3 = V3Client.connect(server.uri(), "console-3");
            v3.publish("sirens/park-1/horn-3", "sound".getBytes(StandardCharsets.UTF_8), 1);
            nextRelayed().answer().completeExceptionally(new TimeoutException("test: Kafka away"));
            assertThat(v3.awaitConnectionLost()).as("MQTT 3.1.1 has no negative PUBACK: closed, so it resends")
                    .isNotNull();
            heard.add(listener.awaitMessage().text());
        }
        assertThat(heard).containsExactly("sound", "sound");
        assertThat(server.count(RelayPublishHandler.NOT_RELAYED)).isEqualTo(2);
    }

    @Test
    void aWillGoesToTheOtherNodesToo() throws Exception {
        V3Client gateway = V3Client.connect(server.uri(), "gw-will",
                o -> o.setWill("tocsin/v1/status/park-1/gw-will", "offline".getBytes(StandardCharsets.UTF_8), 1,
                        true));
        gateway.paho().disconnectForcibly(0, 1000, false); // no DISCONNECT: like a cut cable
        gateway.paho().close(true);

        Relayed will = nextRelayed();
        assertThat(will.topic()).isEqualTo("tocsin/v1/status/park-1/gw-will");
        assertThat(will.payload()).isEqualTo("offline");
        assertThat(will.retain()).isTrue();
        will.answer().complete(null);
    }
}
