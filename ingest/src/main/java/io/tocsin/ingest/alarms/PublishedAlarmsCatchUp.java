package io.tocsin.ingest.alarms;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * After a restart of the alarm fan-out: reads what it had published before, each partition from its beginning up
 * to the offset its consumer group has committed, on a consumer and a thread of its own, so that the fan-out
 * publishes new alarms at once meanwhile instead of after the whole topic's history. The consumer names the
 * fan-out's group only to look its committed offsets up: it assigns its partitions itself and commits nothing, so
 * it never joins the group. Each record goes to a {@link RecordSink}; when every partition is read up to its
 * offset (at once for a group that has committed nothing: the fan-out reads the topic itself), {@link WhenDone}
 * is told (on this thread). A failure (the broker away) closes the consumer and starts over after a back-off, until done or
 * closed.
 */
final class PublishedAlarmsCatchUp implements AutoCloseable {

    /**
     * Takes the records of one poll: one call per poll rather than per record, so that a lock the sink takes is
     * taken once per batch and not in a loop that would starve the fan-out's thread. Must not throw.
     */
    @FunctionalInterface
    interface RecordSink {
        void accept(List<ConsumerRecord<String, byte[]>> records);
    }

    /** Told once, when the catch-up is done, how many records it read (0: the group had committed nothing). */
    @FunctionalInterface
    interface WhenDone {
        void done(long recordsRead);
    }

    private static final Logger log = LoggerFactory.getLogger(PublishedAlarmsCatchUp.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration BACKOFF = Duration.ofSeconds(1);

    private final Supplier<Consumer<String, byte[]>> consumers;
    private final Set<TopicPartition> partitions;
    private final RecordSink sink;
    private final WhenDone whenDone;
    private final Thread thread;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean closing;
    private volatile Consumer<String, byte[]> consumer;

    /**
     * @param consumers  makes a consumer with the fan-out's group id that commits nothing
     * @param partitions the partitions the fan-out was assigned for the first time
     */
    PublishedAlarmsCatchUp(Supplier<Consumer<String, byte[]>> consumers, Set<TopicPartition> partitions,
                           RecordSink sink, WhenDone whenDone) {
        this.consumers = Objects.requireNonNull(consumers, "consumers");
        this.partitions = Set.copyOf(partitions);
        this.sink = Objects.requireNonNull(sink, "sink");
        this.whenDone = Objects.requireNonNull(whenDone, "whenDone");
        this.thread = new Thread(this::run, "tocsin-alarm-fanout-catch-up");
        this.thread.setDaemon(true);
    }

    PublishedAlarmsCatchUp start() {
        thread.start();
        return this;
    }

    private void run() {
        long started = System.nanoTime();
        while (!closing) {
            try (Consumer<String, byte[]> kafka = consumers.get()) {
                consumer = kafka;
                if (closing) {
                    return; // closed while the consumer was made: close() may not have seen it
                }
                long records = readUpToTheCommittedOffsets(kafka);
                if (closing) {
                    return;
                }
                log.info("Alarm fan-out: read {} alarm events published before the restart in {} ms", records,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                whenDone.done(records);
                return;
            } catch (WakeupException e) {
                return; // close()
            } catch (RuntimeException e) {
                log.warn("Alarm fan-out: reading the alarms published before the restart failed, again in {}",
                        BACKOFF, e);
                sleepBackoff();
            } finally {
                consumer = null;
            }
        }
    }

    private long readUpToTheCommittedOffsets(Consumer<String, byte[]> kafka) {
        Map<TopicPartition, Long> until = new HashMap<>();
        kafka.committed(partitions).forEach((partition, offset) -> {
            if (offset != null && offset.offset() > 0) { // the first offset the fan-out did not publish before
                until.put(partition, offset.offset());
            }
        });
        if (until.isEmpty()) {
            return 0;
        }
        log.info("Alarm fan-out: reading {} from the beginning up to the committed offsets for the alarms not over",
                until);
        kafka.assign(until.keySet());
        kafka.seekToBeginning(until.keySet());
        Map<TopicPartition, Long> left = new HashMap<>(until);
        long records = 0;
        while (!closing) {
            left.entrySet().removeIf(e -> kafka.position(e.getKey()) >= e.getValue());
            if (left.isEmpty()) {
                return records;
            }
            List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> record : kafka.poll(POLL)) {
                Long end = until.get(new TopicPartition(record.topic(), record.partition()));
                if (end != null && record.offset() < end) { // beyond: the fan-out has it
                    batch.add(record);
                }
            }
            if (!batch.isEmpty()) {
                sink.accept(batch);
                records += batch.size();
            }
        }
        return records;
    }

    private void sleepBackoff() {
        try {
            closed.await(BACKOFF.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
        }
    }

    /** Stops reading (waking the consumer) and waits for the thread. */
    @Override
    public void close() {
        closing = true;
        closed.countDown();
        Consumer<String, byte[]> kafka = consumer;
        if (kafka != null) {
            kafka.wakeup();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
