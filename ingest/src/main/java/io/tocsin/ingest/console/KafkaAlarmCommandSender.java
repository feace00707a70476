package io.tocsin.ingest.console;

import io.tocsin.proto.v1.AlarmCommandRequest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Sends console commands to the alarm job's commands topic: key {@code site/sensor} (so a sensor's commands stay in
 * order with each other), value the {@link AlarmCommandRequest}. acks=all and idempotence, no linger: an
 * acknowledgement is a person waiting for the screen to change.
 */
public final class KafkaAlarmCommandSender implements AlarmCommandSender, AutoCloseable {

    private final Producer<String, byte[]> producer;
    private final String topic;

    public KafkaAlarmCommandSender(String bootstrapServers, String topic) {
        this(bootstrapServers, topic, Map.of());
    }

    public KafkaAlarmCommandSender(String bootstrapServers, String topic, Map<String, Object> overrides) {
        Map<String, Object> properties = new HashMap<>();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, Objects.requireNonNull(bootstrapServers));
        properties.put(ProducerConfig.CLIENT_ID_CONFIG, "tocsin-console-commands");
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Duration.ofSeconds(15).toMillis());
        properties.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Duration.ofSeconds(10).toMillis());
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) Duration.ofSeconds(5).toMillis());
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.putAll(overrides);
        this.producer = new KafkaProducer<>(properties);
        this.topic = Objects.requireNonNull(topic, "topic");
    }

    @Override
    public CompletableFuture<Void> send(AlarmCommandRequest command) {
        CompletableFuture<Void> sent = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, command.getSiteId() + "/" + command.getSensorId(),
                    command.toByteArray()), (metadata, failure) -> {
                if (failure == null) {
                    sent.complete(null);
                } else {
                    sent.completeExceptionally(failure);
                }
            });
        } catch (RuntimeException e) {
            // send() itself throws when metadata cannot be had within max.block.ms (broker down at start).
            sent.completeExceptionally(e);
        }
        return sent;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
