package io.tocsin.standalone.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.status.GatewaysLostInACrash;
import io.tocsin.proto.v1.ConnectionState;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.StatusCause;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ingest node restarted after a crash writes OFFLINE for the gateways it had left ONLINE that did not come back,
 * and for no other: not for one that went OFFLINE properly, one that moved to another node, one connected to it
 * again, a console, or another node's gateway. Real parts: an embedded KRaft broker and its status topic.
 */
class GatewaysLostInACrashTest {

    private static final String NODE = "host-1/ingest-1";

    @TempDir
    Path dataDir;

    private static DeviceStatus status(String device, ConnectionState state, String server) {
        DeviceStatus.Builder status = DeviceStatus.newBuilder().setClientId(device).setState(state)
                .setCause(state == ConnectionState.CONNECTION_STATE_ONLINE ? StatusCause.STATUS_CAUSE_CONNECTED
                        : StatusCause.STATUS_CAUSE_CONNECTION_LOST)
                .setEventTimeMs(System.currentTimeMillis()).setTransport("mqtt").setServerId(server);
        if (!device.startsWith("console")) {
            status.setSiteId("park-1").setDeviceId(device);
        }
        return status.build();
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES) // a safety net: every wait inside is bounded
    void offlineIsWrittenOnlyForTheGatewaysThatDidNotComeBack() throws Exception {
        ConnectionState online = ConnectionState.CONNECTION_STATE_ONLINE;
        ConnectionState offline = ConnectionState.CONNECTION_STATE_OFFLINE;
        try (EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(dataDir, 0, 0).start();
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                     ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                     ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()))) {
            kafka.createTopics(Map.of("status", 2));
            for (DeviceStatus event : List.of(
                    status("gw-lost", online, NODE),
                    status("gw-closed", online, NODE), status("gw-closed", offline, NODE),
                    status("gw-moved", online, NODE), status("gw-moved", online, "host-2/ingest-2"),
                    status("gw-back", online, NODE),
                    status("gw-elsewhere", online, "host-2/ingest-2"),
                    status("console-7", online, NODE))) {
                String key = event.getSiteId().isEmpty() ? event.getClientId()
                        : event.getSiteId() + "/" + event.getDeviceId();
                producer.send(new ProducerRecord<>("status", key, event.toByteArray())).get();
            }
            List<DeviceStatus> written = new CopyOnWriteArrayList<>();
            SimpleMeterRegistry meters = new SimpleMeterRegistry();

            try (GatewaysLostInACrash check = GatewaysLostInACrash.onKafka(kafka.bootstrapServers(), "status", NODE,
                    Duration.ofSeconds(1), Set.of("gw-back")::contains, written::add, meters).start()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> !written.isEmpty());
            }

            assertThat(written).singleElement().satisfies(event -> {
                assertThat(event.getClientId()).isEqualTo("gw-lost");
                assertThat(event.getSiteId()).isEqualTo("park-1");
                assertThat(event.getDeviceId()).isEqualTo("gw-lost");
                assertThat(event.getState()).isEqualTo(offline);
                assertThat(event.getCause()).isEqualTo(StatusCause.STATUS_CAUSE_SERVER_RESTARTED);
                assertThat(event.getServerId()).isEqualTo(NODE);
            });
            assertThat(meters.counter(GatewaysLostInACrash.WRITTEN).count()).isEqualTo(1);
        }
    }
}
