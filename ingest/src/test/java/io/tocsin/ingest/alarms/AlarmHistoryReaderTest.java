package io.tocsin.ingest.alarms;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The alarm history reader on Kafka's MockConsumer. As the fan-out's catch-up after a restart it reads each partition
 * from its beginning up to the group's committed offset and not beyond, starts over on a new consumer after a
 * failure (the broker away), and reports a group that has committed nothing at once; as the web console's it reads
 * up to the end offsets its feed saw at start.
 */
class AlarmHistoryReaderTest {

    private static final TopicPartition PARTITION = new TopicPartition("alarms", 0);

    /** A consumer whose group committed {@code committed} on the partition, holding {@code records} records. */
    private static MockConsumer<String, byte[]> consumer(long committed, int records) {
        MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest") {
            @Override // MockConsumer forgets commits on assign: answer the group's offset here
            public synchronized Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
                return committed == 0 ? Map.of() : Map.of(PARTITION, new OffsetAndMetadata(committed));
            }
        };
        consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        consumer.schedulePollTask(() -> {
            for (int i = 0; i < records; i++) {
                consumer.addRecord(new ConsumerRecord<>("alarms", 0, i, "site", new byte[] {(byte) i}));
            }
        });
        return consumer;
    }

    @Test
    void readsUpToTheCommittedOffsetAfterStartingOverOnAFailure() {
        MockConsumer<String, byte[]> failing = consumer(3, 5);
        failing.setPollException(new KafkaException("test: broker away"));
        Deque<MockConsumer<String, byte[]>> consumers = new ArrayDeque<>(List.of(failing, consumer(3, 5)));
        List<Long> offsets = new CopyOnWriteArrayList<>();
        AtomicLong done = new AtomicLong(-1);

        try (AlarmHistoryReader catchUp = new AlarmHistoryReader("Alarm fan-out", consumers::pop,
                AlarmHistoryReader.committedOffsets(Set.of(PARTITION)),
                records -> records.forEach(r -> offsets.add(r.offset())), done::set).start()) {
            await().until(() -> done.get() >= 0);
        }

        assertThat(consumers).isEmpty(); // the second consumer was used
        assertThat(failing.closed()).isTrue();
        assertThat(offsets).containsExactly(0L, 1L, 2L); // not 3 and 4: the fan-out publishes from 3
        assertThat(done.get()).isEqualTo(3);
    }

    @Test
    void aGroupThatCommittedNothingHasNothingToReadBefore() {
        List<ConsumerRecord<String, byte[]>> read = new ArrayList<>();
        AtomicLong done = new AtomicLong(-1);

        try (AlarmHistoryReader catchUp = new AlarmHistoryReader("Alarm fan-out", () -> consumer(0, 5),
                AlarmHistoryReader.committedOffsets(Set.of(PARTITION)),
                read::addAll, done::set).start()) {
            await().until(() -> done.get() >= 0);
        }

        assertThat(read).isEmpty();
        assertThat(done.get()).isZero();
    }

    @Test
    void closeStopsACatchUpThatKeepsFailing() {
        AtomicLong made = new AtomicLong();
        AlarmHistoryReader catchUp = new AlarmHistoryReader("Alarm fan-out", () -> {
            made.incrementAndGet();
            MockConsumer<String, byte[]> failing = consumer(3, 5);
            failing.setPollException(new KafkaException("test: broker away"));
            return failing;
        }, AlarmHistoryReader.committedOffsets(Set.of(PARTITION)), records -> { }, read -> {
            throw new AssertionError("a catch-up that never read its history is not done");
        }).start();
        await().until(() -> made.get() >= 1);

        catchUp.close();

        assertThat(Thread.getAllStackTraces().keySet())
                .as("the catch-up's thread has ended").noneMatch(t -> t.getName().equals("tocsin-alarm-fan-out-history"));
    }

    @Test
    void readsUpToOffsetsKnownBeforehandWhateverTheGroupCommitted() {
        List<Long> offsets = new CopyOnWriteArrayList<>();
        AtomicLong done = new AtomicLong(-1);

        try (AlarmHistoryReader history = new AlarmHistoryReader("Console feed", () -> consumer(0, 5),
                AlarmHistoryReader.offsets(Map.of(PARTITION, 4L)),
                records -> records.forEach(r -> offsets.add(r.offset())), done::set).start()) {
            await().until(() -> done.get() >= 0);
        }

        assertThat(offsets).containsExactly(0L, 1L, 2L, 3L); // not 4: the console's reader of new events starts there
        assertThat(done.get()).isEqualTo(4);
    }
}
