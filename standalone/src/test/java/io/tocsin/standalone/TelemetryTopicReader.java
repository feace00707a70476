package io.tocsin.standalone;

import io.tocsin.proto.v1.TelemetryBatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads a telemetry topic from the beginning with a plain Kafka consumer, as any downstream job would. */
final class TelemetryTopicReader implements AutoCloseable {

    /** One record as Kafka stored it. */
    record Stored(String key, TelemetryBatch batch) {
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final List<Stored> seen = new ArrayList<>();

    TelemetryTopicReader(String bootstrapServers, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Everything stored so far, after one more poll. */
    List<Stored> poll() {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            try {
                seen.add(new Stored(r.key(), TelemetryBatch.parseFrom(r.value())));
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new AssertionError("the telemetry topic holds a record that is not a TelemetryBatch", e);
            }
        }
        return List.copyOf(seen);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
