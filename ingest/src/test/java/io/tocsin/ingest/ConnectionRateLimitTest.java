package io.tocsin.ingest;

import io.tocsin.ingest.mqtt.ProtocolVersionGate;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.RawMqttClient.Packet;
import io.tocsin.ingest.support.TestServer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionRateLimitTest {

    @Test
    void connectionsAboveTheRateAreClosedAtOnceAndTheOthersCarryOn() throws Exception {
        try (TestServer server = TestServer.startWith(builder -> builder.connectionRateLimit(2));
             RawMqttClient first = new RawMqttClient(server.port());
             RawMqttClient second = new RawMqttClient(server.port());
             RawMqttClient third = new RawMqttClient(server.port())) {
            assertThat(third.awaitClosed()).as("third connection within the same second").isTrue();
            first.send(RawMqttClient.connectV5("first", 30));
            assertThat(first.read().type()).isEqualTo(Packet.CONNACK);
            second.send(RawMqttClient.connectV3("second", 30));
            assertThat(second.read().type()).isEqualTo(Packet.CONNACK);
            assertThat(server.count(ProtocolVersionGate.CONNECT_REFUSED, "reason", "connection_rate")).isEqualTo(1);
        }
    }
}
