package io.tocsin.ingest.alarms;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.micrometer.core.instrument.Counter;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The one Kafka poll loop of ingest: the alarm fan-out, the webhook consumer and the station console's feed (which
 * reads its telemetry, status and command-result topics along with the alarms) all read through it.
 *
 * <p>One daemon thread attaches a consumer to its topics ({@link Attach}: subscribe or assign), polls, hands every
 * record to a {@link RecordHandler} and then lets a {@link CommitPolicy} commit (or do its other per-poll
 * bookkeeping). A record the handler rejects ({@link BadRecord}) is counted, logged and skipped: one bad record
 * must never stop the records behind it. {@link #close()} wakes the consumer up, so shutdown does not wait for a
 * poll or a back-off to end; the policy's {@link CommitPolicy#beforeClose} runs before the consumer closes.
 *
 * <p>Two ways to recover from a failure (Kafka retries most problems inside {@code poll()}; what gets out, such as
 * an authorization error or a deleted topic, is logged):
 * <ul>
 *   <li>{@link #AlarmTopicReader(Settings, Consumer, Attach, RecordHandler, CommitPolicy, Counter) one consumer}
 *       for the reader's life: a failed poll is retried on it after the back-off; a failed attach stops the
 *       reader;</li>
 *   <li>{@link #restarting restarting}: a failure closes the consumer, waits the back-off and starts again with a
 *       new consumer, attach included (for readers that re-read from the beginning, or whose topics may not exist
 *       yet).</li>
 * </ul>
 */
public final class AlarmTopicReader implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AlarmTopicReader.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    /**
     * @param name         what the reader is for, in its log lines ("Alarm fan-out")
     * @param threadName   its thread's name
     * @param pollTimeout  longest wait in one poll: also how often {@link CommitPolicy#afterPoll} runs when idle
     * @param backoff      pause after a failure before polling (or starting) again
     * @param whenStopped  what stops working if the reader dies, for the ERROR log ("alarms are no longer ...")
     */
    public record Settings(String name, String threadName, Duration pollTimeout, Duration backoff,
                           String whenStopped) {
        public Settings {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(threadName, "threadName");
            Objects.requireNonNull(pollTimeout, "pollTimeout");
            Objects.requireNonNull(backoff, "backoff");
            Objects.requireNonNull(whenStopped, "whenStopped");
        }
    }

    /** Puts a new consumer on its topics: {@code subscribe} (with a rebalance listener if needed) or assign + seek. */
    @FunctionalInterface
    public interface Attach {
        void attach(Consumer<String, byte[]> consumer);
    }

    /** Does what the reader is for with one record; throws {@link BadRecord} for a record to skip. */
    @FunctionalInterface
    public interface RecordHandler {
        void handle(ConsumerRecord<String, byte[]> record) throws BadRecord;
    }

    /** When offsets are committed. All methods run on the reader's thread. */
    public interface CommitPolicy {
        /** Kafka's auto-commit (enable.auto.commit=true), or no consumer group at all: nothing to do here. */
        CommitPolicy NONE = new CommitPolicy() {
        };

        /** A record was skipped as bad (already counted and logged): it is done with. */
        default void skipped(ConsumerRecord<String, byte[]> record) {
        }

        /** After the records of one poll (possibly none) were handled. */
        default void afterPoll(Consumer<String, byte[]> consumer) {
        }

        /** Before a consumer is closed (shutdown or restart); a failure here is logged, not thrown. */
        default void beforeClose(Consumer<String, byte[]> consumer) {
        }
    }

    /** A record that is not what its topic should carry; the message says why. */
    public static final class BadRecord extends Exception {
        public BadRecord(String why) {
            super(why, null, false, false);
        }
    }

    private final Settings settings;
    private final Supplier<Consumer<String, byte[]>> consumers;
    private final boolean restartOnFailure;
    private final Runnable onFailure;
    private final Attach attach;
    private final RecordHandler handler;
    private final CommitPolicy commits;
    private final Counter bad;
    private final Thread thread;
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile Consumer<String, byte[]> current;
    private boolean started;
    private boolean closed;

    /** A reader on one consumer for its whole life (created by the caller, so bad properties fail right there). */
    public AlarmTopicReader(Settings settings, Consumer<String, byte[]> consumer, Attach attach,
                            RecordHandler handler, CommitPolicy commits, Counter bad) {
        this(settings, singleUse(Objects.requireNonNull(consumer, "consumer")), false, () -> { }, attach, handler,
                commits, bad);
        this.current = consumer;
    }

    /**
     * A reader that takes a new consumer from {@code consumers} at start and after every failure (attach included),
     * calling {@code onFailure} first.
     */
    public static AlarmTopicReader restarting(Settings settings, Supplier<Consumer<String, byte[]>> consumers,
                                              Runnable onFailure, Attach attach, RecordHandler handler,
                                              CommitPolicy commits, Counter bad) {
        return new AlarmTopicReader(settings, consumers, true, onFailure, attach, handler, commits, bad);
    }

    private AlarmTopicReader(Settings settings, Supplier<Consumer<String, byte[]>> consumers, boolean restartOnFailure,
                             Runnable onFailure, Attach attach, RecordHandler handler, CommitPolicy commits,
                             Counter bad) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.consumers = Objects.requireNonNull(consumers, "consumers");
        this.restartOnFailure = restartOnFailure;
        this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
        this.attach = Objects.requireNonNull(attach, "attach");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.commits = Objects.requireNonNull(commits, "commits");
        this.bad = Objects.requireNonNull(bad, "bad");
        this.thread = new Thread(this::run, settings.threadName());
        this.thread.setDaemon(true);
    }

    private static Supplier<Consumer<String, byte[]>> singleUse(Consumer<String, byte[]> consumer) {
        return () -> consumer;
    }

    /**
     * The consumer configuration shared by ingest's readers: String keys, byte[] values, then {@code overrides}.
     *
     * @param groupId    the consumer group, which reads from the earliest record when new; {@code null} for a
     *                   consumer that assigns its partitions itself
     * @param autoCommit whether Kafka commits the group's offsets itself
     */
    public static Map<String, Object> consumerProperties(String bootstrapServers, String clientId, String groupId,
                                                         boolean autoCommit, Map<String, Object> overrides) {
        Map<String, Object> properties = new HashMap<>();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, Objects.requireNonNull(bootstrapServers));
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, Objects.requireNonNull(clientId));
        if (groupId != null) {
            properties.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
            properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        }
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, autoCommit);
        properties.putAll(overrides);
        return properties;
    }

    /**
     * Every partition of a topic, for readers that assign them themselves; waits up to 30 s for the metadata.
     *
     * @throws IllegalStateException when the topic does not exist (yet)
     */
    public static List<TopicPartition> partitions(Consumer<String, byte[]> kafka, String topic) {
        List<PartitionInfo> infos = kafka.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist (yet)");
        }
        return infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
    }

    /**
     * Polls an assigned consumer until its position on every partition of {@code ends} has reached the offset given
     * there, handing each poll's records to {@code each} (all of them: a poll may return records past an end, which
     * the caller keeps or drops), or until {@code stop} says so.
     */
    public static void readUpTo(Consumer<String, byte[]> kafka, Map<TopicPartition, Long> ends, Duration poll,
                                BooleanSupplier stop,
                                java.util.function.Consumer<ConsumerRecords<String, byte[]>> each) {
        Map<TopicPartition, Long> left = new HashMap<>(ends);
        while (!stop.getAsBoolean()) {
            left.entrySet().removeIf(e -> kafka.position(e.getKey()) >= e.getValue());
            if (left.isEmpty()) {
                return;
            }
            each.accept(kafka.poll(poll));
        }
    }

    /**
     * Parses a record's value, for handlers: a missing value or one that is not a {@code type} is a
     * {@link BadRecord} ("not an AlarmEvent: ...").
     */
    public static <T extends MessageLite> T parse(ConsumerRecord<String, byte[]> record, Parser<T> parser,
                                                  String type) throws BadRecord {
        byte[] value = record.value();
        if (value == null) {
            throw new BadRecord("not a" + (startsWithVowel(type) ? "n " : " ") + type + ": record has no value");
        }
        try {
            return parser.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new BadRecord("not a" + (startsWithVowel(type) ? "n " : " ") + type + ": " + e.getMessage());
        }
    }

    private static boolean startsWithVowel(String word) {
        return !word.isEmpty() && "AEIOUaeiou".indexOf(word.charAt(0)) >= 0;
    }

    /** Starts reading on its own thread. */
    public synchronized AlarmTopicReader start() {
        if (started || closed) {
            throw new IllegalStateException(closed ? "closed" : "already started");
        }
        started = true;
        thread.start();
        return this;
    }

    private void run() {
        try {
            while (running) {
                Consumer<String, byte[]> consumer = null;
                try {
                    consumer = consumers.get();
                    current = consumer;
                    if (!running) {
                        return; // closed while the consumer was being made: close() may have missed it
                    }
                    attach.attach(consumer);
                    pollUntilClosed(consumer);
                } catch (RuntimeException e) {
                    if (!running) {
                        return;
                    }
                    if (!restartOnFailure) {
                        log.error("{} stopped unexpectedly: {}", settings.name(), settings.whenStopped(), e);
                        return;
                    }
                    onFailure.run();
                    log.error("{} failed; it starts again in {} ms", settings.name(), settings.backoff().toMillis(),
                            e);
                    closeConsumer(consumer);
                    backOff();
                }
            }
        } finally {
            closeConsumer(current);
            log.info("{} stopped", settings.name());
        }
    }

    private void pollUntilClosed(Consumer<String, byte[]> consumer) {
        while (running) {
            try {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(settings.pollTimeout())) {
                    handle(record);
                }
                commits.afterPoll(consumer);
            } catch (WakeupException e) {
                if (running) {
                    throw e; // nobody else wakes this consumer up
                }
            } catch (RuntimeException e) {
                if (!running || restartOnFailure) {
                    throw e;
                }
                log.error("{} failed to poll, retrying in {} ms", settings.name(), settings.backoff().toMillis(), e);
                backOff();
            }
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        try {
            handler.handle(record);
        } catch (BadRecord e) {
            bad.increment();
            log.warn("{} skipped record {}-{}@{} (key {}): {}", settings.name(), record.topic(), record.partition(),
                    record.offset(), record.key(), e.getMessage());
            commits.skipped(record);
        }
    }

    private void closeConsumer(Consumer<String, byte[]> consumer) {
        if (consumer == null) {
            return;
        }
        try {
            commits.beforeClose(consumer);
        } catch (RuntimeException e) {
            log.warn("{}: committing before closing the consumer failed: {}", settings.name(), e.toString());
        }
        try {
            consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        } catch (RuntimeException e) {
            log.warn("{}: closing the consumer failed: {}", settings.name(), e.toString());
        }
        if (current == consumer) {
            current = null;
        }
    }

    /** Waits the back-off; {@link #close()} ends the wait. */
    private void backOff() {
        try {
            closing.await(settings.backoff().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Stops reading (waking the consumer up) and waits for the thread, which commits and closes the consumer. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        closing.countDown();
        Consumer<String, byte[]> consumer = current;
        if (!started) {
            if (consumer != null) {
                consumer.close(CloseOptions.timeout(Duration.ZERO));
            }
            return;
        }
        if (consumer != null) {
            consumer.wakeup();
        }
        try {
            thread.join(CLOSE_TIMEOUT.toMillis() + settings.pollTimeout().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("{} thread did not stop within {} s", settings.name(), CLOSE_TIMEOUT.toSeconds());
        }
    }
}
