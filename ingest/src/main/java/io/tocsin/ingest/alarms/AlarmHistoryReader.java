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
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Reads the alarm history, each partition from its beginning up to an offset, on a consumer and a thread of its
 * own, so that the reader of new alarm events goes on from that offset at once instead of after the whole topic's
 * history (at 2 M events, seconds in which a new alarm would wait). Used by the alarm fan-out after a restart (up to
 * the offsets its group had committed: {@link #committedOffsets}) and by the web console's feed (up to the end
 * offsets seen when it started: {@link #offsets}). The consumer assigns its partitions itself and commits nothing,
 * so it never joins a group. Each poll's records go to a {@link RecordSink}; when every partition is read up to
 * its offset, {@link WhenDone} is told (on this thread). A failure (the broker away) closes the consumer and starts
 * over after a back-off, until done or closed.
 */
public final class AlarmHistoryReader implements AutoCloseable {

    /**
     * Takes the records of one poll: one call per poll rather than per record, so that a lock the sink takes is
     * taken once per batch and not in a loop that would starve the reader of new events. Must not throw.
     */
    @FunctionalInterface
    public interface RecordSink {
        void accept(List<ConsumerRecord<String, byte[]>> records);
    }

    /** Told once, when the history is read, how many records it held (0: nothing before the offsets). */
    @FunctionalInterface
    public interface WhenDone {
        void done(long recordsRead);
    }

    /** Where the history ends, per partition: the first offset the reader of new events reads itself. */
    @FunctionalInterface
    public interface Until {
        Map<TopicPartition, Long> offsets(Consumer<String, byte[]> kafka);
    }

    private static final Logger log = LoggerFactory.getLogger(AlarmHistoryReader.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration BACKOFF = Duration.ofSeconds(1);

    private final String name;
    private final Supplier<Consumer<String, byte[]>> consumers;
    private final Until until;
    private final RecordSink sink;
    private final WhenDone whenDone;
    private final Thread thread;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean closing;
    private volatile Consumer<String, byte[]> consumer;

    /**
     * @param name      who reads, for the log and the thread ("Alarm fan-out", "Console feed")
     * @param consumers makes a consumer that commits nothing (with a group id only where {@code until} needs it)
     */
    public AlarmHistoryReader(String name, Supplier<Consumer<String, byte[]>> consumers, Until until,
                              RecordSink sink, WhenDone whenDone) {
        this.name = Objects.requireNonNull(name, "name");
        this.consumers = Objects.requireNonNull(consumers, "consumers");
        this.until = Objects.requireNonNull(until, "until");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.whenDone = Objects.requireNonNull(whenDone, "whenDone");
        this.thread = new Thread(this::run, threadName(name));
        this.thread.setDaemon(true);
    }

    /** The thread's name: "tocsin-" and the name in lower case with dashes, then "-history". */
    static String threadName(String name) {
        return "tocsin-" + name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-") + "-history";
    }

    /**
     * Up to the offsets the consumer's group committed on {@code partitions} (what a fan-out published before its
     * restart); a partition where nothing was committed has no history to read.
     */
    public static Until committedOffsets(Set<TopicPartition> partitions) {
        Set<TopicPartition> copy = Set.copyOf(partitions);
        return kafka -> {
            Map<TopicPartition, Long> until = new HashMap<>();
            kafka.committed(copy).forEach((partition, offset) -> {
                if (offset != null && offset.offset() > 0) {
                    until.put(partition, offset.offset());
                }
            });
            return until;
        };
    }

    /** Up to offsets known beforehand (where the reader of new events started). */
    public static Until offsets(Map<TopicPartition, Long> offsets) {
        Map<TopicPartition, Long> copy = Map.copyOf(offsets);
        return kafka -> copy;
    }

    public AlarmHistoryReader start() {
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
                long records = readHistory(kafka);
                if (closing) {
                    return;
                }
                log.info("{}: read {} alarm events of the history in {} ms", name, records,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                whenDone.done(records);
                return;
            } catch (WakeupException e) {
                return; // close()
            } catch (RuntimeException e) {
                log.warn("{}: reading the alarm history failed, again in {}", name, BACKOFF, e);
                sleepBackoff();
            } finally {
                consumer = null;
            }
        }
    }

    private long readHistory(Consumer<String, byte[]> kafka) {
        Map<TopicPartition, Long> ends = new HashMap<>(until.offsets(kafka));
        ends.values().removeIf(end -> end <= 0);
        if (ends.isEmpty()) {
            return 0;
        }
        log.info("{}: reading the alarm history from the beginning up to {}", name, ends);
        kafka.assign(ends.keySet());
        kafka.seekToBeginning(ends.keySet());
        long[] records = {0};
        AlarmTopicReader.readUpTo(kafka, ends, POLL, () -> closing, polled -> {
            List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>();
            for (ConsumerRecord<String, byte[]> record : polled) {
                Long end = ends.get(new TopicPartition(record.topic(), record.partition()));
                if (end != null && record.offset() < end) { // beyond: the reader of new events has it
                    batch.add(record);
                }
            }
            if (!batch.isEmpty()) {
                sink.accept(batch);
                records[0] += batch.size();
            }
        });
        return records[0];
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
