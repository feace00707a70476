package io.tocsin.standalone.timeseries;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The time-series backlog gauge against a real broker: records written minus what the group committed. */
class HistoryBacklogTest {

    @TempDir
    Path dir;

    @Test
    void countsTheRecordsTheGroupHasNotCommittedOnEveryPartition() throws Exception {
        try (EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(dir, 0, 0).start()) {
            kafka.createTopics(Map.of("telemetry", 2));
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            try (HistoryBacklog backlog = new HistoryBacklog(kafka.bootstrapServers(), "telemetry", "history", meters)) {
                assertThat(meters.get(HistoryBacklog.GAUGE).gauge().value()).as("before the first look").isEqualTo(-1);
                assertThat(backlog.refresh()).as("nothing written").isZero();

                Properties p = new Properties();
                p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
                try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                        new ByteArraySerializer())) {
                    for (int i = 0; i < 5; i++) {
                        producer.send(new ProducerRecord<>("telemetry", i % 2, null, new byte[] {(byte) i})).get();
                    }
                }
                assertThat(backlog.refresh()).as("nothing committed: all of both partitions").isEqualTo(5);

                Properties c = new Properties();
                c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
                c.put(ConsumerConfig.GROUP_ID_CONFIG, "history");
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                        new ByteArrayDeserializer())) {
                    // Partition 0 holds 3 records, partition 1 holds 2: the job has stored 2 of partition 0.
                    consumer.commitSync(Map.of(new TopicPartition("telemetry", 0), new OffsetAndMetadata(2)));
                }
                assertThat(backlog.refresh()).isEqualTo(1 + 2);
                assertThat(meters.get(HistoryBacklog.GAUGE).gauge().value()).isEqualTo(3);
            }
        }
    }
}
