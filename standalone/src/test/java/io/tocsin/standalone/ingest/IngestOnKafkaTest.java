package io.tocsin.standalone.ingest;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.IngestConfig;
import io.tocsin.ingest.IngestServer;
import io.tocsin.ingest.coap.CoapSettings;
import io.tocsin.ingest.status.KafkaDeviceStatusWriter;
import io.tocsin.ingest.telemetry.KafkaTelemetryWriter;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.ConnectionState;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.StatusCause;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Ingest against a real Kafka broker: device status events land on the status topic, and CoAP telemetry is
 * answered 2.04 only once Kafka stored it, 5.03 with Max-Age while Kafka is down.
 */
// The CoAP test stops and restarts the broker; it goes last so the other test does not start while the
// producers are still re-learning the restarted broker's metadata.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IngestOnKafkaTest {

    private static final String TELEMETRY = "telemetry";
    private static final String STATUS = "status";

    @TempDir
    static Path dataDir;

    private static EmbeddedKafkaBroker kafka;
    private static KafkaTelemetryWriter telemetryWriter;
    private static KafkaDeviceStatusWriter statusWriter;
    private static IngestServer ingest;

    @BeforeAll
    static void start() {
        kafka = new EmbeddedKafkaBroker(dataDir, 0, 0).start();
        kafka.createTopics(Map.of(TELEMETRY, 1, STATUS, 1));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        telemetryWriter = new KafkaTelemetryWriter(kafka.bootstrapServers(), TELEMETRY, Duration.ofSeconds(3), Map.of());
        statusWriter = new KafkaDeviceStatusWriter(kafka.bootstrapServers(), STATUS, meters);
        ingest = IngestServer.builder(IngestConfig.defaults().withBindHost("127.0.0.1").withPort(0), telemetryWriter,
                        meters)
                .deviceStatus(statusWriter)
                .coap(CoapSettings.defaults().withBindHost("127.0.0.1").withPorts(0, CoapSettings.DISABLED))
                .build().start();
    }

    @AfterAll
    static void stop() {
        if (ingest != null) {
            ingest.close();
        }
        if (statusWriter != null) {
            statusWriter.close();
        }
        if (telemetryWriter != null) {
            telemetryWriter.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    @Order(1)
    void onlineAndOfflineEventsReachTheStatusTopic() throws Exception {
        MqttAsyncClient gateway = new MqttAsyncClient("tcp://127.0.0.1:" + ingest.port(), "gw-status",
                new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setAutomaticReconnect(false);
        gateway.connect(options).waitForCompletion(5_000);
        gateway.disconnect().waitForCompletion(5_000);
        gateway.close();

        List<DeviceStatus> events = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer(STATUS)) {
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    DeviceStatus status = DeviceStatus.parseFrom(record.value());
                    if (status.getClientId().equals("gw-status")) {
                        events.add(status);
                    }
                }
                return events.size() >= 2;
            });
        }
        assertThat(events).extracting(DeviceStatus::getState).containsExactly(
                ConnectionState.CONNECTION_STATE_ONLINE, ConnectionState.CONNECTION_STATE_OFFLINE);
        assertThat(events.get(1).getCause()).isEqualTo(StatusCause.STATUS_CAUSE_CLEAN_DISCONNECT);
    }

    @Test
    @Order(2)
    void coapTelemetryIsChangedOnlyOnceKafkaHasItAndUnavailableWhileKafkaIsDown() throws Exception {
        String uri = "coap://127.0.0.1:" + ingest.coap().orElseThrow().port() + "/telemetry/park-1/gw-coap";
        CoapClient client = new CoapClient(uri).setTimeout(15_000L);
        try {
            CoapResponse stored = client.post(batch(1).toByteArray(), MediaTypeRegistry.APPLICATION_OCTET_STREAM);
            assertThat(stored.getCode()).isEqualTo(ResponseCode.CHANGED);
            try (KafkaConsumer<String, byte[]> consumer = consumer(TELEMETRY)) {
                List<TelemetryBatch> batches = new ArrayList<>();
                await().atMost(Duration.ofSeconds(20)).until(() -> {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        batches.add(TelemetryBatch.parseFrom(record.value()));
                    }
                    return batches.stream().anyMatch(b -> b.getDeviceId().equals("gw-coap"));
                });
            }

            kafka.stop();
            try {
                CoapResponse unavailable = client.post(batch(2).toByteArray(),
                        MediaTypeRegistry.APPLICATION_OCTET_STREAM);
                assertThat(unavailable.getCode()).isEqualTo(ResponseCode.SERVICE_UNAVAILABLE);
                assertThat(unavailable.getOptions().getMaxAge()).isEqualTo(CoapSettings.DEFAULT_RETRY_AFTER.toSeconds());
            } finally {
                kafka.start();
            }
        } finally {
            client.shutdown();
        }
    }

    private static TelemetryBatch batch(long sequence) {
        return TelemetryBatch.newBuilder().setSiteId("park-1").setDeviceId("gw-coap").setSequence(sequence)
                .addReadings(Reading.newBuilder().setSensorId("gas-1").setTimestampMs(1_000 + sequence).setValue(3.0))
                .build();
    }

    private static KafkaConsumer<String, byte[]> consumer(String topic) {
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + topic + "-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName()));
        consumer.subscribe(List.of(topic));
        return consumer;
    }
}
