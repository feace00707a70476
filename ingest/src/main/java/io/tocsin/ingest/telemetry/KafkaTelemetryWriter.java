package io.tocsin.ingest.telemetry;

import io.tocsin.proto.MqttTopics.DeviceAddress;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Telemetry log on Kafka: one record per batch, keyed {@code siteId/deviceId} so that a device's batches stay in
 * one partition, in order.
 *
 * <p>Durability and latency come first:
 * <ul>
 *   <li>{@code acks=all} and idempotence: a batch acknowledged to the device is on every in-sync replica, and
 *       Kafka's retries do not duplicate or reorder it;</li>
 *   <li>{@code linger.ms=1}: no waiting to fill batches (Kafka 4 defaults to 5 ms);</li>
 *   <li>{@code batch.size} 256 KiB: with idempotence at most 5 requests are in flight to a broker, so the batch size
 *       caps how many records can be on their way; at 16 KiB (the default) a thousand devices with batches in
 *       flight queue up in the producer (the ingest bench measured 8.7k acked/s at 16 KiB, 15.8k at 256 KiB);</li>
 *   <li>a bounded delivery timeout (default 30 s): past it the future fails and the device is told to resend,
 *       rather than waiting for minutes; {@code request.timeout.ms} is half of it so that one retry fits;</li>
 *   <li>{@code max.block.ms} small: {@code send()} runs on Netty's event loop and must not stall it when Kafka's
 *       buffer is full or metadata is missing; the send then fails fast and the device resends;</li>
 *   <li>the topic's metadata is fetched at construction, and kept while idle, so that a send never has to
 *       wait for it.</li>
 * </ul>
 * Producer properties passed in override these (the launcher's tuning).
 */
public final class KafkaTelemetryWriter implements TelemetryWriter, AutoCloseable {

    public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofSeconds(30);
    /** How long {@code send()} may block the event loop waiting for buffer space or metadata. */
    public static final Duration DEFAULT_MAX_BLOCK = Duration.ofMillis(100);

    private static final Logger log = LoggerFactory.getLogger(KafkaTelemetryWriter.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final long LINGER_MS = 1;
    private static final int BATCH_BYTES = 256 * 1024;

    private final Producer<String, byte[]> producer;
    private final String topic;

    /** Defaults: 30 s delivery timeout, no extra properties. */
    public KafkaTelemetryWriter(String bootstrapServers, String topic) {
        this(bootstrapServers, topic, DEFAULT_DELIVERY_TIMEOUT, Map.of());
    }

    /**
     * Creates the producer and waits (up to the delivery timeout) for the topic's metadata.
     *
     * @param deliveryTimeout   how long Kafka may take to store a batch before the device is told to resend
     * @param producerOverrides extra or overriding producer properties
     * @throws IllegalStateException when the topic's metadata cannot be fetched in time (broker down, topic
     *                               missing): the server cannot store telemetry, better to fail at start
     */
    public KafkaTelemetryWriter(String bootstrapServers, String topic, Duration deliveryTimeout,
                                Map<String, Object> producerOverrides) {
        this(new KafkaProducer<>(producerProperties(bootstrapServers, deliveryTimeout, producerOverrides)),
                topic, deliveryTimeout);
    }

    /** For tests: wraps a given producer (e.g. Kafka's MockProducer). */
    KafkaTelemetryWriter(Producer<String, byte[]> producer, String topic, Duration metadataTimeout) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.topic = Objects.requireNonNull(topic, "topic");
        try {
            warmUp(metadataTimeout);
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
    }

    /** The producer configuration used for a bootstrap address, delivery timeout and overrides. */
    public static Map<String, Object> producerProperties(String bootstrapServers, Duration deliveryTimeout,
                                                         Map<String, Object> overrides) {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        long deliveryMs = deliveryTimeout.toMillis();
        if (deliveryMs < 2 * (LINGER_MS + 1)) {
            throw new IllegalArgumentException("deliveryTimeout too short: " + deliveryTimeout);
        }
        Map<String, Object> properties = new HashMap<>();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.CLIENT_ID_CONFIG, "tocsin-ingest-telemetry");
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        properties.put(ProducerConfig.LINGER_MS_CONFIG, (int) LINGER_MS);
        properties.put(ProducerConfig.BATCH_SIZE_CONFIG, BATCH_BYTES);
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) deliveryMs);
        // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms.
        properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) ((deliveryMs - LINGER_MS) / 2));
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) DEFAULT_MAX_BLOCK.toMillis());
        // Keep the topic's metadata through quiet hours, or the first send after them would block on it.
        properties.put(ProducerConfig.METADATA_MAX_IDLE_CONFIG, (int) Duration.ofDays(1).toMillis());
        properties.putAll(overrides);
        return properties;
    }

    @Override
    public CompletableFuture<RecordMetadata> append(DeviceAddress address, byte[] payload) {
        CompletableFuture<RecordMetadata> written = new CompletableFuture<>();
        String key = address.siteId() + "/" + address.deviceId();
        try {
            producer.send(new ProducerRecord<>(topic, key, payload), (metadata, failure) -> {
                if (failure != null) {
                    written.completeExceptionally(failure);
                } else {
                    written.complete(metadata);
                }
            });
        } catch (RuntimeException e) {
            // Producer closed, record too large ...: not written, the device resends. (Most failures, such as a
            // full buffer past max.block.ms, arrive through the callback instead.)
            written.completeExceptionally(e);
        }
        return written;
    }

    /** Waits for every batch already handed over (their futures complete), then closes the producer. */
    @Override
    public void close() {
        producer.close(CLOSE_TIMEOUT);
    }

    /** Fetches the topic's partitions now, retrying until the deadline, so that the first send does not block. */
    private void warmUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last;
        do {
            try {
                int partitions = producer.partitionsFor(topic).size();
                log.info("Telemetry log ready: topic {} ({} partitions)", topic, partitions);
                return;
            } catch (RetriableException e) {
                // partitionsFor gives up after max.block.ms; the broker may still be starting.
                last = e;
                log.debug("Metadata of telemetry topic {} not available yet: {}", topic, e.toString());
            }
        } while (System.nanoTime() < deadline);
        throw new IllegalStateException("telemetry topic " + topic + " not available within " + timeout, last);
    }
}
