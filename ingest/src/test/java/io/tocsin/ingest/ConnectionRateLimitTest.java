package io.tocsin.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tocsin.ingest.mqtt.ProtocolVersionGate;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.RawMqttClient.Packet;
import io.tocsin.ingest.support.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The rate limit on a real listening socket. Its exact arithmetic is tested with a fake clock in
 * {@link io.tocsin.ingest.mqtt.ConnectionRateLimitTest}; here a burst of connections at 1/s must see some of them
 * refused, which holds unless opening five sockets on loopback takes over four seconds.
 */
class ConnectionRateLimitTest {

    @Test
    void connectionsAboveTheRateAreClosedAtOnceAndTheOthersCarryOn() throws Exception {
        List<RawMqttClient> burst = new ArrayList<>();
        try (TestServer server = TestServer.startWith(builder -> builder.connectionRateLimit(1));
             RawMqttClient first = new RawMqttClient(server.port())) {
            for (int i = 0; i < 4; i++) {
                burst.add(new RawMqttClient(server.port()));
            }

            await().atMost(Duration.ofSeconds(10)).until(
                    () -> server.count(ProtocolVersionGate.CONNECT_REFUSED, "reason", "connection_rate") >= 1);
            first.send(RawMqttClient.connectV5("first", 30));
            assertThat(first.read().type()).as("the connection that got in goes on").isEqualTo(Packet.CONNACK);
        } finally {
            for (RawMqttClient client : burst) {
                client.close();
            }
        }
    }
}
