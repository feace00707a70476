package io.tocsin.ingest.telemetry;

import io.tocsin.proto.MqttTopics.DeviceAddress;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Kafka plumbing without a broker (the real broker path is tested in the standalone module). */
class KafkaTelemetryWriterTest {

    private final MockProducer<String, byte[]> producer =
            new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());

    @Test
    void appendSendsKeyedBySiteAndDeviceAndCompletesWhenKafkaAcknowledges() {
        KafkaTelemetryWriter writer = new KafkaTelemetryWriter(producer, "tocsin.telemetry", Duration.ofSeconds(1));
        byte[] payload = {1, 2, 3};

        CompletableFuture<RecordMetadata> written = writer.append(new DeviceAddress("park-north", "gw-01"), payload);

        assertThat(producer.history()).hasSize(1);
        ProducerRecord<String, byte[]> record = producer.history().get(0);
        assertThat(record.topic()).isEqualTo("tocsin.telemetry");
        assertThat(record.key()).isEqualTo("park-north/gw-01");
        assertThat(record.value()).isEqualTo(payload);
        assertThat(written).isNotDone();

        producer.completeNext();
        assertThat(written).isCompleted();
        writer.close();
        assertThat(producer.closed()).isTrue();
    }

    @Test
    void appendFailsWhenKafkaFails() {
        KafkaTelemetryWriter writer = new KafkaTelemetryWriter(producer, "tocsin.telemetry", Duration.ofSeconds(1));

        CompletableFuture<RecordMetadata> written = writer.append(new DeviceAddress("s", "d"), new byte[] {1});
        producer.errorNext(new TimeoutException("delivery timeout"));

        assertThat(written).isCompletedExceptionally();
    }

    @Test
    void appendFailsInsteadOfThrowingWhenTheProducerIsClosed() {
        KafkaTelemetryWriter writer = new KafkaTelemetryWriter(producer, "tocsin.telemetry", Duration.ofSeconds(1));
        writer.close();

        assertThat(writer.append(new DeviceAddress("s", "d"), new byte[] {1})).isCompletedExceptionally();
    }

    @Test
    void startFailsWhenTheTopicMetadataNeverComes() {
        producer.partitionsForException = new TimeoutException("topic not present in metadata");

        assertThatThrownBy(() -> new KafkaTelemetryWriter(producer, "tocsin.telemetry", Duration.ofMillis(50)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tocsin.telemetry");
        assertThat(producer.closed()).isTrue();
    }

    @Test
    void producerIsConfiguredForDurabilityAndLatency() {
        Map<String, Object> properties = KafkaTelemetryWriter.producerProperties("broker:9092", Duration.ofSeconds(4),
                Map.of(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", ProducerConfig.LINGER_MS_CONFIG, 0));

        assertThat(properties)
                .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "broker:9092")
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 4_000)
                .containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4")
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 0); // overrides win
        int requestTimeout = (Integer) properties.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG);
        assertThat(requestTimeout + 1).isLessThanOrEqualTo(4_000); // Kafka: delivery >= linger + request
        assertThat((Integer) properties.get(ProducerConfig.MAX_BLOCK_MS_CONFIG)).isLessThanOrEqualTo(100);
        // Kafka accepts it as a configuration.
        new ProducerConfig(properties);
    }
}
