package io.tocsin.ingest.console;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tocsin.ingest.alarms.AlarmTopicReader;
import io.tocsin.proto.v1.AlarmCommandResult;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.TelemetryBatch;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Feeds a {@link ConsoleFeed} (the {@link ConsoleServer}) from Kafka with two consumers, each on its own thread,
 * assigned every partition of their topics and in no consumer group (every console server needs every record, and
 * commits nothing). The first reads what a station waits for (alarms, gateway status, command results) and answers
 * at once; the second reads the live values (telemetry) in fetches of {@value #TELEMETRY_FETCH_MIN_BYTES} bytes or
 * {@value #TELEMETRY_FETCH_MAX_WAIT_MS} ms, whichever comes first: the console pushes live values once a second, and
 * at city load a consumer that asked for every new record would make the broker answer a fetch for every
 * gateway batch, CPU the alarm path needs.
 * <ul>
 *   <li>alarms, from the beginning: the active-alarm list is rebuilt from the whole topic at every start, so a
 *       restarted console has every alarm that is still active (when the topic's retention is longer than any
 *       alarm stays active: keep the alarms topic for at least 30 days); once the consumer reached the end
 *       offsets seen at start, {@link ConsoleFeed#alarmHistoryLoaded()};</li>
 *   <li>gateway status, from the beginning (the latest state of every gateway);</li>
 *   <li>command results and (on the second consumer) telemetry, from the end (only answers to this server's
 *       commands and live values matter).</li>
 * </ul>
 * A record that cannot be parsed is counted ({@value #BAD}) and skipped. The console is told the feed is unhealthy
 * only when the first consumer fails; a failure of the live values is logged and the reader starts again.
 */
public final class KafkaConsoleFeed implements AutoCloseable {

    public static final String BAD = "tocsin.console.feed.bad";
    static final int TELEMETRY_FETCH_MIN_BYTES = 256 * 1024;
    static final int TELEMETRY_FETCH_MAX_WAIT_MS = 250;

    /** The topics read. */
    public record Topics(String alarms, String commandResults, String status, String telemetry) {
    }

    private static final Logger log = LoggerFactory.getLogger(KafkaConsoleFeed.class);
    private static final AlarmTopicReader.Settings READER = new AlarmTopicReader.Settings("Console feed",
            "tocsin-console-feed", Duration.ofMillis(200), Duration.ofSeconds(2),
            "station consoles get no more alarms");
    private static final AlarmTopicReader.Settings LIVE_VALUES = new AlarmTopicReader.Settings(
            "Console live values", "tocsin-console-live-values", Duration.ofMillis(500), Duration.ofSeconds(2),
            "station consoles show no new live values");

    private final Topics topics;
    private final ConsoleFeed console;
    private final AlarmTopicReader reader;
    private final AlarmTopicReader liveValues;
    /** Alarm partitions not yet read up to the end offset seen when the current consumer started. */
    private final Map<TopicPartition, Long> historyEnd = new HashMap<>();
    private boolean historyLoaded;

    public KafkaConsoleFeed(String bootstrapServers, Topics topics, ConsoleFeed console, MeterRegistry meters) {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.console = Objects.requireNonNull(console, "console");
        Counter bad = Counter.builder(BAD).description("Records the console feed could not parse").register(meters);
        // A new consumer after every failure, which reads the alarm history again: the console is not told it is
        // healthy until then. No group: nothing is committed.
        this.reader = AlarmTopicReader.restarting(READER,
                () -> new KafkaConsumer<>(AlarmTopicReader.consumerProperties(bootstrapServers,
                        "tocsin-console-feed", null, false, Map.of())),
                () -> console.feedHealthy(false), this::attach, this::handle, new AlarmTopicReader.CommitPolicy() {
                    @Override
                    public void afterPoll(Consumer<String, byte[]> kafka) {
                        checkHistoryLoaded(kafka);
                    }
                }, bad);
        // Live values only: a failure here leaves the alarms healthy; the reader logs it and starts again.
        this.liveValues = AlarmTopicReader.restarting(LIVE_VALUES,
                () -> new KafkaConsumer<>(AlarmTopicReader.consumerProperties(bootstrapServers,
                        "tocsin-console-live-values", null, false, Map.of(
                                ConsumerConfig.FETCH_MIN_BYTES_CONFIG, TELEMETRY_FETCH_MIN_BYTES,
                                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, TELEMETRY_FETCH_MAX_WAIT_MS))),
                () -> { }, this::attachLiveValues, this::handle, AlarmTopicReader.CommitPolicy.NONE, bad);
    }

    public KafkaConsoleFeed start() {
        reader.start();
        liveValues.start();
        return this;
    }

    private void attach(Consumer<String, byte[]> kafka) {
        List<TopicPartition> fromStart = new ArrayList<>();
        fromStart.addAll(partitions(kafka, topics.alarms()));
        fromStart.addAll(partitions(kafka, topics.status()));
        List<TopicPartition> fromEnd = new ArrayList<>(partitions(kafka, topics.commandResults()));
        List<TopicPartition> all = new ArrayList<>(fromStart);
        all.addAll(fromEnd);
        kafka.assign(all);
        kafka.seekToBeginning(fromStart);
        kafka.seekToEnd(fromEnd);
        List<TopicPartition> alarmPartitions = partitions(kafka, topics.alarms());
        historyEnd.clear();
        historyEnd.putAll(kafka.endOffsets(alarmPartitions));
        historyLoaded = false;
        console.feedHealthy(true);
        log.info("Console feed reading {} alarm partitions from the beginning ({} records to catch up)",
                alarmPartitions.size(), historyEnd.values().stream().mapToLong(Long::longValue).sum());
    }

    private void attachLiveValues(Consumer<String, byte[]> kafka) {
        List<TopicPartition> telemetry = partitions(kafka, topics.telemetry());
        kafka.assign(telemetry);
        kafka.seekToEnd(telemetry);
    }

    private void checkHistoryLoaded(Consumer<String, byte[]> kafka) {
        if (!historyLoaded) {
            historyEnd.entrySet().removeIf(end -> kafka.position(end.getKey()) >= end.getValue());
            if (historyEnd.isEmpty()) {
                historyLoaded = true;
                console.alarmHistoryLoaded();
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

    private void handle(ConsumerRecord<String, byte[]> record) throws AlarmTopicReader.BadRecord {
        String topic = record.topic();
        if (topic.equals(topics.alarms())) {
            console.alarm(AlarmTopicReader.parse(record, AlarmEvent.parser(), "AlarmEvent"));
        } else if (topic.equals(topics.telemetry())) {
            console.telemetry(AlarmTopicReader.parse(record, TelemetryBatch.parser(), "TelemetryBatch"));
        } else if (topic.equals(topics.status())) {
            console.deviceStatus(AlarmTopicReader.parse(record, DeviceStatus.parser(), "DeviceStatus"));
        } else if (topic.equals(topics.commandResults())) {
            console.commandResult(AlarmTopicReader.parse(record, AlarmCommandResult.parser(), "AlarmCommandResult"));
        }
    }

    @Override
    public void close() {
        liveValues.close();
        reader.close();
    }
}
