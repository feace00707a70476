package io.tocsin.ingest.console;

import com.google.protobuf.InvalidProtocolBufferException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tocsin.proto.v1.AlarmCommandResult;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.TelemetryBatch;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Feeds a {@link ConsoleFeed} (the {@link ConsoleServer}) from Kafka, on one thread with one consumer that is
 * assigned every partition of four topics and belongs to no consumer group (every console server needs every
 * record, and commits nothing):
 * <ul>
 *   <li>alarms, from the beginning: the active-alarm list is rebuilt from the whole topic at every start, so a
 *       restarted console has every alarm that is still active (when the topic's retention is longer than any
 *       alarm stays active: keep the alarms topic for at least 30 days); once the consumer reached the end
 *       offsets seen at start, {@link ConsoleFeed#alarmHistoryLoaded()};</li>
 *   <li>gateway status, from the beginning (the latest state of every gateway);</li>
 *   <li>telemetry and command results, from the end (only live values and answers to this server's commands
 *       matter).</li>
 * </ul>
 * A record that cannot be parsed is counted ({@value #BAD}) and skipped.
 */
public final class KafkaConsoleFeed implements AutoCloseable {

    public static final String BAD = "tocsin.console.feed.bad";

    /** The topics read. */
    public record Topics(String alarms, String commandResults, String status, String telemetry) {
    }

    private static final Logger log = LoggerFactory.getLogger(KafkaConsoleFeed.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
    private static final Duration RETRY = Duration.ofSeconds(2);

    private final String bootstrapServers;
    private final Topics topics;
    private final ConsoleFeed console;
    private final Counter bad;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Consumer<String, byte[]> consumer;

    public KafkaConsoleFeed(String bootstrapServers, Topics topics, ConsoleFeed console, MeterRegistry meters) {
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.console = Objects.requireNonNull(console, "console");
        this.bad = Counter.builder(BAD).description("Records the console feed could not parse").register(meters);
        this.thread = new Thread(this::run, "tocsin-console-feed");
        this.thread.setDaemon(true);
    }

    public KafkaConsoleFeed start() {
        thread.start();
        return this;
    }

    private void run() {
        while (running) {
            try (Consumer<String, byte[]> kafka = new KafkaConsumer<>(properties())) {
                consumer = kafka;
                if (!running) {
                    return;
                }
                consume(kafka);
            } catch (WakeupException e) {
                if (running) {
                    log.warn("Console feed woken up unexpectedly; restarting it");
                }
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                console.feedHealthy(false);
                log.error("Console feed failed; it starts again in {} s and re-reads the alarm history",
                        RETRY.toSeconds(), e);
                try {
                    Thread.sleep(RETRY.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void consume(Consumer<String, byte[]> kafka) {
        List<TopicPartition> fromStart = new ArrayList<>();
        fromStart.addAll(partitions(kafka, topics.alarms()));
        fromStart.addAll(partitions(kafka, topics.status()));
        List<TopicPartition> fromEnd = new ArrayList<>();
        fromEnd.addAll(partitions(kafka, topics.telemetry()));
        fromEnd.addAll(partitions(kafka, topics.commandResults()));
        List<TopicPartition> all = new ArrayList<>(fromStart);
        all.addAll(fromEnd);
        kafka.assign(all);
        kafka.seekToBeginning(fromStart);
        kafka.seekToEnd(fromEnd);
        List<TopicPartition> alarmPartitions = partitions(kafka, topics.alarms());
        Map<TopicPartition, Long> historyEnd = new HashMap<>(kafka.endOffsets(alarmPartitions));
        boolean historyLoaded = false;
        console.feedHealthy(true);
        log.info("Console feed reading {} alarm partitions from the beginning ({} records to catch up)",
                alarmPartitions.size(), historyEnd.values().stream().mapToLong(Long::longValue).sum());
        while (running) {
            for (ConsumerRecord<String, byte[]> record : kafka.poll(POLL_TIMEOUT)) {
                handle(record);
            }
            if (!historyLoaded) {
                historyEnd.entrySet().removeIf(end -> kafka.position(end.getKey()) >= end.getValue());
                if (historyEnd.isEmpty()) {
                    historyLoaded = true;
                    console.alarmHistoryLoaded();
                }
            }
        }
    }

    private static List<TopicPartition> partitions(Consumer<String, byte[]> kafka, String topic) {
        List<PartitionInfo> infos = kafka.partitionsFor(topic, Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist (yet)");
        }
        return infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        byte[] value = record.value();
        if (value == null) {
            bad.increment();
            return;
        }
        String topic = record.topic();
        try {
            if (topic.equals(topics.alarms())) {
                console.alarm(AlarmEvent.parseFrom(value));
            } else if (topic.equals(topics.telemetry())) {
                console.telemetry(TelemetryBatch.parseFrom(value));
            } else if (topic.equals(topics.status())) {
                console.deviceStatus(DeviceStatus.parseFrom(value));
            } else if (topic.equals(topics.commandResults())) {
                console.commandResult(AlarmCommandResult.parseFrom(value));
            }
        } catch (InvalidProtocolBufferException e) {
            bad.increment();
            log.warn("Console feed skipped record {}-{}@{}: {}", topic, record.partition(), record.offset(),
                    e.getMessage());
        }
    }

    private Map<String, Object> properties() {
        Map<String, Object> properties = new HashMap<>();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "tocsin-console-feed");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return properties;
    }

    @Override
    public void close() {
        running = false;
        Consumer<String, byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
