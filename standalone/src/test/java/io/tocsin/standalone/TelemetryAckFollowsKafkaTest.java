package io.tocsin.standalone;

import static io.tocsin.standalone.MqttTestClients.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.IngestConfig;
import io.tocsin.ingest.IngestServer;
import io.tocsin.ingest.telemetry.KafkaTelemetryWriter;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.standalone.TelemetryTopicReader.Stored;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingest server acknowledges a telemetry publish only after a real Kafka broker acknowledged the record,
 * and refuses bad input without disturbing anyone else.
 */
class TelemetryAckFollowsKafkaTest {

    private static final String TOPIC = "telemetry";
    private static final Duration KAFKA_DELIVERY_TIMEOUT = Duration.ofSeconds(4);

    @TempDir
    Path dataDir;

    private final MeterRegistry meters = new SimpleMeterRegistry();
    private EmbeddedKafkaBroker kafka;
    private KafkaTelemetryWriter writer;
    private IngestServer ingest;
    private String mqttUri;

    @BeforeEach
    void start() throws Exception {
        kafka = new EmbeddedKafkaBroker(dataDir, 0, 0).start();
        kafka.createTopics(Map.of(TOPIC, 2));
        writer = new KafkaTelemetryWriter(kafka.bootstrapServers(), TOPIC, KAFKA_DELIVERY_TIMEOUT, Map.of());
        ingest = new IngestServer(IngestConfig.defaults().withBindHost("127.0.0.1").withPort(0), writer, meters);
        ingest.start();
        mqttUri = "tcp://127.0.0.1:" + ingest.port();
    }

    @AfterEach
    void stop() {
        if (ingest != null) {
            ingest.close();
        }
        if (writer != null) {
            writer.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void noPositivePubackWhileKafkaIsDownAndTheResentReadingArrivesOnceItIsBack() throws Exception {
        MqttAsyncClient gateway = MqttTestClients.connect(mqttUri, "park-1.gw-1");
        try (TelemetryTopicReader topic = new TelemetryTopicReader(kafka.bootstrapServers(), TOPIC)) {
            TelemetryBatch first = batch("park-1", "gw-1", 1, "gas-01", 1_000, 2.0);
            assertThat(publish(gateway, first).getReasonCodes()).containsExactly(0);

            kafka.stop();
            TelemetryBatch second = batch("park-1", "gw-1", 2, "gas-01", 2_000, 30.0);
            IMqttToken refused = publish(gateway, second);

            assertThat(refused.getReasonCodes())
                    .as("PUBACK reason code while Kafka is down").containsExactly(0x80);
            assertThat(gateway.isConnected()).isTrue();

            kafka.start();
            // The device resends what was not acknowledged (the edge agent does this by itself).
            IMqttToken resent = await().atMost(Duration.ofSeconds(60)).until(() -> publish(gateway, second),
                    token -> token.getReasonCodes()[0] == 0);
            assertThat(resent.getReasonCodes()).containsExactly(0);

            await().atMost(Duration.ofSeconds(30)).until(() -> topic.poll().size() >= 2);
            List<Stored> stored = topic.poll();
            assertThat(stored).extracting(Stored::batch).containsExactly(first, second);
            assertThat(stored).extracting(Stored::key).containsOnly("park-1/gw-1");
        } finally {
            MqttTestClients.disconnect(gateway);
        }
    }

    @Test
    void aPayloadThatIsNotATelemetryBatchIsRefusedAndCountedWhileOthersGoOn() throws Exception {
        MqttAsyncClient broken = MqttTestClients.connect(mqttUri, "park-1.gw-bad");
        MqttAsyncClient healthy = MqttTestClients.connect(mqttUri, "park-1.gw-2");
        try (TelemetryTopicReader topic = new TelemetryTopicReader(kafka.bootstrapServers(), TOPIC)) {
            MqttMessage garbage = new MqttMessage(new byte[] {(byte) 0xff, 0x01, 0x02, 0x03});
            garbage.setQos(1);
            IMqttToken refused = broken.publish(MqttTopics.telemetry("park-1", "gw-bad"), garbage);
            refused.waitForCompletion(10_000);

            assertThat(refused.getReasonCodes()).as("PUBACK reason: payload format invalid").containsExactly(0x99);
            assertThat(meters.counter("tocsin.ingest.publish.refused", "reason", "bad_payload").count()).isEqualTo(1);

            TelemetryBatch good = batch("park-1", "gw-2", 1, "gas-02", 5_000, 1.5);
            assertThat(publish(healthy, good).getReasonCodes()).containsExactly(0);
            assertThat(broken.isConnected()).as("the refused client stays connected").isTrue();
            TelemetryBatch fromBroken = batch("park-1", "gw-bad", 1, "gas-09", 6_000, 0.5);
            assertThat(publish(broken, fromBroken).getReasonCodes()).containsExactly(0);

            await().atMost(Duration.ofSeconds(30)).until(() -> topic.poll().size() >= 2);
            assertThat(topic.poll()).extracting(Stored::batch).containsExactlyInAnyOrder(good, fromBroken);
        } finally {
            MqttTestClients.disconnect(broken);
            MqttTestClients.disconnect(healthy);
        }
    }

    private static IMqttToken publish(MqttAsyncClient client, TelemetryBatch batch) throws Exception {
        MqttMessage message = new MqttMessage(batch.toByteArray());
        message.setQos(1);
        IMqttToken token = client.publish(MqttTopics.telemetry(batch.getSiteId(), batch.getDeviceId()), message);
        token.waitForCompletion(KAFKA_DELIVERY_TIMEOUT.multipliedBy(3).toMillis());
        return token;
    }
}
