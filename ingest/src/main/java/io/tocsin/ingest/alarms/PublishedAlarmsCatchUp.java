package io.tocsin.ingest.alarms;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * After a restart of the alarm fan-out: reads what it had published before, each partition from its beginning up
 * to the offset its consumer group had committed, on a consumer (without group) and a thread of its own, so that
 * the fan-out publishes new alarms at once meanwhile instead of after the whole topic's history. Each record goes
 * to a {@link RecordSink}; when every partition is read up to its offset, {@code whenDone} runs (on this thread).
 * A failure (the broker away) closes the consumer and starts over after a back-off, until read or closed.
 */
final class PublishedAlarmsCatchUp implements AutoCloseable {

    /** Takes one record read by the catch-up; must not throw. */
    @FunctionalInterface
    interface RecordSink {
        void accept(ConsumerRecord<String, byte[]> record);
    }

    private static final Logger log = LoggerFactory.getLogger(PublishedAlarmsCatchUp.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration BACKOFF = Duration.ofSeconds(1);

    private final Supplier<Consumer<String, byte[]>> consumers;
    private final Map<TopicPartition, Long> until;
    private final RecordSink sink;
    private final Runnable whenDone;
    private final Thread thread;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile boolean closing;
    private volatile Consumer<String, byte[]> consumer;

    /** @param until per partition, the first offset not to read (the fan-out publishes from there) */
    PublishedAlarmsCatchUp(Supplier<Consumer<String, byte[]>> consumers, Map<TopicPartition, Long> until,
                           RecordSink sink, Runnable whenDone) {
        this.consumers = Objects.requireNonNull(consumers, "consumers");
        this.until = Map.copyOf(until);
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
                long records = readUpToTheOffsets(kafka);
                if (closing) {
                    return;
                }
                log.info("Alarm fan-out: read {} alarm events published before the restart in {} ms", records,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                whenDone.run();
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

    private long readUpToTheOffsets(Consumer<String, byte[]> kafka) {
        kafka.assign(until.keySet());
        kafka.seekToBeginning(until.keySet());
        Map<TopicPartition, Long> left = new HashMap<>(until);
        long records = 0;
        while (!closing) {
            left.entrySet().removeIf(e -> kafka.position(e.getKey()) >= e.getValue());
            if (left.isEmpty()) {
                return records;
            }
            for (ConsumerRecord<String, byte[]> record : kafka.poll(POLL)) {
                Long end = until.get(new TopicPartition(record.topic(), record.partition()));
                if (end != null && record.offset() < end) { // beyond: the fan-out has it
                    sink.accept(record);
                    records++;
                }
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
