package io.tocsin.ingest.console;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tocsin.ingest.alarms.AlarmHistoryReader;
import io.tocsin.ingest.alarms.AlarmTopicReader;
import io.tocsin.proto.v1.AlarmCommandResult;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.TelemetryBatch;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Feeds a {@link ConsoleFeed} (the {@link ConsoleServer}) from Kafka with three consumers, each on its own thread,
 * assigned every partition of their topics and in no consumer group (every console server needs every record, and
 * commits nothing). The first reads what a station waits for (new alarms, gateway status, command results) and
 * answers at once; the second reads the alarm history beside it; the third reads the live values (telemetry) in
 * fetches of {@value #TELEMETRY_FETCH_MIN_BYTES} bytes or {@value #TELEMETRY_FETCH_MAX_WAIT_MS} ms, whichever comes
 * first: the console pushes live values once a second, and at city load a consumer that asked for every new record
 * would make the broker answer a fetch for every gateway batch, CPU the alarm path needs.
 * <ul>
 *   <li>alarms: the first consumer from the end offsets seen when it started, the history up to them on an
 *       {@link AlarmHistoryReader} of its own: the active-alarm list is rebuilt from the whole topic at every
 *       start, so a restarted console has every alarm that is still active (when the topic's retention is longer
 *       than any alarm stays active: keep the alarms topic for at least 30 days), and a new alarm reaches it at
 *       once, not after the history (seconds at millions of events); once the history is read,
 *       {@link ConsoleFeed#alarmHistoryLoaded()};</li>
 *   <li>gateway status, from the beginning (the latest state of every gateway);</li>
 *   <li>command results and (on the third consumer) telemetry, from the end (only answers to this server's
 *       commands and live values matter).</li>
 * </ul>
 * A record that cannot be parsed is counted ({@value #BAD}) and skipped. The console is told the feed is unhealthy
 * only when the first consumer fails (a new one reads the history again); a failure of the history is retried by
 * its reader, a failure of the live values is logged and the reader starts again.
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
    private final Supplier<Consumer<String, byte[]>> historyConsumers;
    private final Counter bad;
    /** Reads the history up to where the current first consumer started; replaced when that one is. */
    private volatile AlarmHistoryReader history;
    private volatile boolean closed;

    public KafkaConsoleFeed(String bootstrapServers, Topics topics, ConsoleFeed console, MeterRegistry meters) {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.console = Objects.requireNonNull(console, "console");
        this.bad = Counter.builder(BAD).description("Records the console feed could not parse").register(meters);
        this.historyConsumers = () -> new KafkaConsumer<>(AlarmTopicReader.consumerProperties(bootstrapServers,
                "tocsin-console-alarm-history", null, false, Map.of()));
        // A new consumer after every failure, and the alarm history read again beside it: the console is not told
        // it is healthy until then. No group: nothing is committed.
        this.reader = AlarmTopicReader.restarting(READER,
                () -> new KafkaConsumer<>(AlarmTopicReader.consumerProperties(bootstrapServers,
                        "tocsin-console-feed", null, false, Map.of())),
                () -> console.feedHealthy(false), this::attach, this::handle, AlarmTopicReader.CommitPolicy.NONE,
                bad);
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
        List<TopicPartition> alarms = AlarmTopicReader.partitions(kafka, topics.alarms());
        List<TopicPartition> status = AlarmTopicReader.partitions(kafka, topics.status());
        List<TopicPartition> commandResults = AlarmTopicReader.partitions(kafka, topics.commandResults());
        List<TopicPartition> all = new ArrayList<>(alarms);
        all.addAll(status);
        all.addAll(commandResults);
        kafka.assign(all);
        // New alarms from here on this consumer, the history before it on the history reader: exactly at the same
        // offsets (seekToEnd could pass records written meanwhile, which neither would then read).
        Map<TopicPartition, Long> historyEnd = kafka.endOffsets(alarms);
        historyEnd.forEach(kafka::seek);
        kafka.seekToBeginning(status);
        kafka.seekToEnd(commandResults);
        stopHistory();
        console.feedHealthy(true);
        console.alarmHistoryStarts();
        log.info("Console feed reading new alarms on {} partitions and their history ({} records) beside them",
                alarms.size(), historyEnd.values().stream().mapToLong(Long::longValue).sum());
        synchronized (this) {
            if (!closed) {
                history = new AlarmHistoryReader("Console feed", historyConsumers,
                        AlarmHistoryReader.offsets(historyEnd), this::handleHistory,
                        read -> console.alarmHistoryLoaded()).start();
            }
        }
    }

    private void handleHistory(List<ConsumerRecord<String, byte[]>> records) {
        List<AlarmEvent> events = new ArrayList<>(records.size());
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                events.add(AlarmTopicReader.parse(record, AlarmEvent.parser(), "AlarmEvent"));
            } catch (AlarmTopicReader.BadRecord e) {
                bad.increment();
                log.warn("Console feed skipped record {}-{}@{} (key {}) of the alarm history: {}", record.topic(),
                        record.partition(), record.offset(), record.key(), e.getMessage());
            }
        }
        if (!events.isEmpty()) {
            console.historicAlarms(events);
        }
    }

    private void stopHistory() {
        AlarmHistoryReader previous;
        synchronized (this) {
            previous = history;
            history = null;
        }
        if (previous != null) {
            previous.close();
        }
    }

    private void attachLiveValues(Consumer<String, byte[]> kafka) {
        List<TopicPartition> telemetry = AlarmTopicReader.partitions(kafka, topics.telemetry());
        kafka.assign(telemetry);
        kafka.seekToEnd(telemetry);
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
        reader.close(); // first: it starts no history reader after this
        synchronized (this) {
            closed = true;
        }
        stopHistory();
    }
}
