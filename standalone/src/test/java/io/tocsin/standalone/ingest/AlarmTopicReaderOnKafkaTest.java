package io.tocsin.standalone.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.alarms.AlarmTopicReader;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poll loop ingest's Kafka readers share ({@link AlarmTopicReader}), on a real broker: bad records are counted
 * and skipped without stopping the ones behind them, the commit policy decides what the group resumes from, close
 * wakes a long poll up, and a restarting reader waits for a topic that does not exist yet.
 */
class AlarmTopicReaderOnKafkaTest {

    private static final String TOPIC = "alarms";
    private static final String GROUP = "reader-test";

    @TempDir
    Path dataDir;

    private EmbeddedKafkaBroker kafka;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Counter bad = meters.counter("bad");
    private final List<String> handled = new CopyOnWriteArrayList<>();
    private final List<Long> skipped = new CopyOnWriteArrayList<>();
    private final AtomicInteger closings = new AtomicInteger();

    @BeforeEach
    void start() {
        kafka = new EmbeddedKafkaBroker(dataDir.resolve("kafka"), 0, 0).start();
    }

    @AfterEach
    void stop() {
        kafka.close();
    }

    @Test
    void skipsBadRecordsCommitsThroughItsPolicyAndClosesWithoutWaitingForThePoll() throws Exception {
        kafka.createTopics(Map.of(TOPIC, 1));
        try (KafkaProducer<String, byte[]> producer = producer()) {
            send(producer, AlarmEvent.newBuilder().setAlarmId("first").build().toByteArray());
            send(producer, new byte[] {(byte) 0xff, 1, 2});
            send(producer, null);
            send(producer, AlarmEvent.newBuilder().setAlarmId("second").build().toByteArray());
        }
        // A poll far longer than the test: close() must wake it up rather than wait for it.
        AlarmTopicReader.Settings settings = new AlarmTopicReader.Settings("Test reader", "test-reader",
                Duration.ofMinutes(2), Duration.ofMillis(100), "the test sees nothing");
        AlarmTopicReader reader = new AlarmTopicReader(settings, consumer(GROUP),
                kafka -> kafka.subscribe(List.of(TOPIC)), this::handle, new AlarmTopicReader.CommitPolicy() {
                    @Override
                    public void skipped(ConsumerRecord<String, byte[]> record) {
                        skipped.add(record.offset());
                    }

                    @Override
                    public void afterPoll(Consumer<String, byte[]> kafka) {
                        kafka.commitSync();
                    }

                    @Override
                    public void beforeClose(Consumer<String, byte[]> kafka) {
                        closings.incrementAndGet();
                    }
                }, bad).start();

        await().atMost(Duration.ofSeconds(60)).until(() -> handled.size() == 2);
        assertThat(handled).containsExactly("first", "second");
        assertThat(skipped).containsExactly(1L, 2L);
        assertThat(bad.count()).isEqualTo(2);

        try (Consumer<String, byte[]> group = consumer(GROUP)) {
            TopicPartition partition = new TopicPartition(TOPIC, 0);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                OffsetAndMetadata committed = group.committed(Set.of(partition)).get(partition);
                return committed != null && committed.offset() == 4;
            });
        }

        long closeStarted = System.nanoTime();
        reader.close();
        assertThat(Duration.ofNanos(System.nanoTime() - closeStarted)).isLessThan(Duration.ofSeconds(30));
        assertThat(closings).hasValue(1);
    }

    @Test
    void restartingReaderStartsAgainWithANewConsumerUntilItsTopicExists() throws Exception {
        AtomicInteger consumers = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        AlarmTopicReader.Settings settings = new AlarmTopicReader.Settings("Test reader", "test-reader",
                Duration.ofMillis(100), Duration.ofMillis(200), "the test sees nothing");
        try (AlarmTopicReader reader = AlarmTopicReader.restarting(settings, () -> {
            consumers.incrementAndGet();
            return consumer(null);
        }, failures::incrementAndGet, kafka -> {
            List<PartitionInfo> partitions = kafka.partitionsFor(TOPIC, Duration.ofMillis(500));
            if (partitions == null || partitions.isEmpty()) {
                throw new IllegalStateException("topic " + TOPIC + " does not exist (yet)");
            }
            List<TopicPartition> all = partitions.stream()
                    .map(info -> new TopicPartition(TOPIC, info.partition())).toList();
            kafka.assign(all);
            kafka.seekToBeginning(all);
        }, this::handle, AlarmTopicReader.CommitPolicy.NONE, bad).start()) {

            await().atMost(Duration.ofSeconds(30)).until(() -> failures.get() >= 2);
            assertThat(handled).isEmpty();

            kafka.createTopics(Map.of(TOPIC, 1));
            try (KafkaProducer<String, byte[]> producer = producer()) {
                send(producer, AlarmEvent.newBuilder().setAlarmId("late").build().toByteArray());
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> handled.contains("late"));
            // One consumer per attempt: each failure closed its consumer and the next attempt made a new one.
            assertThat(consumers.get()).isEqualTo(failures.get() + 1);
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) throws AlarmTopicReader.BadRecord {
        handled.add(AlarmTopicReader.parse(record, AlarmEvent.parser(), "AlarmEvent").getAlarmId());
    }

    private Consumer<String, byte[]> consumer(String groupId) {
        return new KafkaConsumer<>(AlarmTopicReader.consumerProperties(kafka.bootstrapServers(), "reader-test",
                groupId, false, Map.of()));
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<String, byte[]> producer, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(TOPIC, "park-1", value)).get();
    }
}
