package io.tocsin.ingest.alarms;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.tocsin.ingest.pubsub.CurrentMessages;
import io.tocsin.ingest.pubsub.MessagePublisher;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.AlarmEvent;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Carries alarm events from the Kafka alarms topic to the MQTT clients of the fire stations: each record's value,
 * an {@link AlarmEvent}, is published unchanged at QoS 1 on {@code tocsin/v1/alarms/{siteId}} and on
 * {@code tocsin/v1/stations/{stationId}/alarms} for each of its {@code station_ids} (the stations the alarm job
 * routed it to, escalation targets included). A station console subscribed with a persistent session gets what
 * was published on its topic while it was offline when it comes back (the session's bounded queue).
 *
 * <p>A console that comes back without its session (its ingest node restarted, or it reconnected to another node
 * behind the load balancer) gets, when it subscribes, the latest event of every alarm on the topic that is not
 * over, and the NORMAL event of each that ended in the last 24 hours (so that it can clear what ended while it was
 * away), with the RETAIN flag set ({@link ActiveAlarmTopics}, kept as {@link CurrentMessages}). After a restart
 * (its group has committed offsets) the fan-out goes on publishing from there at once, while
 * {@link AlarmHistoryReader} reads what came before on a consumer of its own; the alarms not over are served
 * when it is done, and then also published once to the consoles subscribed at that moment (those that subscribed
 * during the catch-up). Stations recognise an event they already have by its {@code alarm_id}. A new group (no
 * committed offsets) reads and publishes the whole topic, as before, and serves from the start.
 *
 * <p>One thread polls a {@link KafkaConsumer} (an {@link AlarmTopicReader}). A record that is not a valid alarm
 * event is logged, counted ({@value #BAD}) and skipped: one bad record must never stop the alarms behind it.
 *
 * <p>Every ingest instance serves its own connected stations, so every instance needs its own consumer group id
 * (all instances must see all alarms). Offsets are committed automatically after the records were handed to the
 * MQTT side; a restart may repeat a few alarms, which stations recognise by their {@code alarm_id}.
 *
 * <pre>{@code
 * AlarmFanout fanout = new AlarmFanout(bootstrap, "tocsin.alarms", "tocsin-ingest-" + instanceId,
 *         server.subscriptions(), server.currentMessages(), meterRegistry).start();
 * ...
 * fanout.close();
 * }</pre>
 */
public final class AlarmFanout implements AutoCloseable {

    /** Alarm events handed to at least one subscribed station. */
    public static final String DELIVERED = "tocsin.ingest.alarms.delivered";
    /** Alarm events no station was subscribed to, on any of their topics (WARN each: an alarm nobody hears). */
    public static final String UNROUTED = "tocsin.ingest.alarms.unrouted";
    /** Records that are not usable alarm events, skipped. */
    public static final String BAD = "tocsin.ingest.alarms.bad";
    /** Alarm events that could not be handed to the MQTT side (a bug: logged at ERROR). */
    public static final String FAILED = "tocsin.ingest.alarms.failed";
    /** Gauge: alarms not over, sent to a console when it subscribes (counted once their catch-up is done too). */
    public static final String OPEN = "tocsin.ingest.alarms.open";
    /** Gauge: 1 while a catch-up reads the alarms published before a restart (open alarms not served yet). */
    public static final String CATCHING_UP = "tocsin.ingest.alarms.catching_up";

    private static final Logger log = LoggerFactory.getLogger(AlarmFanout.class);
    private static final MessagePublisher NOBODY = (topic, payload, qos) -> 0;
    private static final AlarmTopicReader.Settings READER = new AlarmTopicReader.Settings("Alarm fan-out",
            "tocsin-alarm-fanout", Duration.ofMillis(100), Duration.ofSeconds(1),
            "alarms are no longer delivered to stations");

    private final MessagePublisher stations;
    private final Counter delivered;
    private final Counter unrouted;
    private final Counter failed;
    private final AlarmTopicReader reader;
    private final ActiveAlarmTopics active;
    private final Supplier<Consumer<String, byte[]>> catchUpConsumers;
    /** Partitions assigned at least once (live consumer's thread). */
    private final Set<TopicPartition> seen = new HashSet<>();
    /** Catch-ups started; and how many still run (the alarms not over are served when none does). */
    private final List<AlarmHistoryReader> catchUps = new CopyOnWriteArrayList<>();
    private final AtomicInteger catchUpsRunning = new AtomicInteger();
    private final AtomicBoolean readBeforeRestart = new AtomicBoolean();

    /**
     * @param bootstrapServers Kafka bootstrap servers
     * @param topic            the alarms topic
     * @param groupId          consumer group; one per ingest instance
     * @param stations         where to publish, normally {@code IngestServer.subscriptions()}
     * @param current          where the alarms that are not over are kept for new subscriptions, normally
     *                         {@code IngestServer.currentMessages()}
     */
    public AlarmFanout(String bootstrapServers, String topic, String groupId, MessagePublisher stations,
                       CurrentMessages current, MeterRegistry meters) {
        this(bootstrapServers, topic, groupId, stations, current, meters, Map.of());
    }

    /** As above, with extra or overriding consumer properties. */
    public AlarmFanout(String bootstrapServers, String topic, String groupId, MessagePublisher stations,
                       CurrentMessages current, MeterRegistry meters, Map<String, Object> consumerOverrides) {
        this(new KafkaConsumer<>(consumerProperties(bootstrapServers, groupId, consumerOverrides)),
                () -> new KafkaConsumer<>(AlarmTopicReader.consumerProperties(bootstrapServers,
                        "tocsin-ingest-alarms-catch-up-" + groupId, groupId, false, consumerOverrides)),
                topic, stations, current, meters);
    }

    /**
     * For tests: runs on given consumers (e.g. Kafka's MockConsumer): {@code consumer} in the group, a new one of
     * {@code catchUpConsumers} (the group's id, committing nothing) for each first assignment.
     */
    AlarmFanout(Consumer<String, byte[]> consumer, Supplier<Consumer<String, byte[]>> catchUpConsumers, String topic,
                MessagePublisher stations, CurrentMessages current, MeterRegistry meters) {
        Objects.requireNonNull(topic, "topic");
        this.stations = Objects.requireNonNull(stations, "stations");
        this.active = new ActiveAlarmTopics(Objects.requireNonNull(current, "current"));
        this.catchUpConsumers = Objects.requireNonNull(catchUpConsumers, "catchUpConsumers");
        this.delivered = meters.counter(DELIVERED);
        this.unrouted = meters.counter(UNROUTED);
        this.failed = meters.counter(FAILED);
        Gauge.builder(OPEN, active, ActiveAlarmTopics::open).description("Alarms not over").register(meters);
        Gauge.builder(CATCHING_UP, catchUpsRunning, running -> running.get() > 0 ? 1 : 0)
                .description("1 while the alarms published before a restart are read").register(meters);
        // Offsets: Kafka's auto-commit, after the records were handed to the MQTT side.
        this.reader = new AlarmTopicReader(READER, consumer, kafka -> {
            kafka.subscribe(List.of(topic), new CatchUpOnFirstAssignment(kafka));
            log.info("Alarm fan-out consuming {}", topic);
        }, this::fanOut, AlarmTopicReader.CommitPolicy.NONE, meters.counter(BAD));
    }

    /**
     * On a partition's first assignment, a catch-up reads it up to the offset the group had committed there (the
     * fan-out published up to it before a restart) for the alarms not over; the fan-out itself goes on from that
     * offset, as Kafka resumes it. Nothing is asked of Kafka here: a failure would leave the partition without.
     */
    private final class CatchUpOnFirstAssignment implements ConsumerRebalanceListener {
        private final Consumer<String, byte[]> kafka;

        CatchUpOnFirstAssignment(Consumer<String, byte[]> kafka) {
            this.kafka = kafka;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Set<TopicPartition> first = new HashSet<>(partitions);
            first.removeAll(seen);
            if (first.isEmpty()) {
                return;
            }
            seen.addAll(first);
            catchUpsRunning.incrementAndGet();
            catchUps.add(new AlarmHistoryReader("Alarm fan-out", catchUpConsumers,
                    AlarmHistoryReader.committedOffsets(first), AlarmFanout.this::catchUp, read -> {
                if (read > 0) {
                    readBeforeRestart.set(true);
                }
                catchUpsRunning.decrementAndGet();
                serveWhenNoCatchUpRuns();
            }).start());
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        }
    }

    /**
     * Serves the alarms not over once no catch-up runs; publishes them once to the consoles subscribed then only if
     * a catch-up read events from before a restart (otherwise the fan-out publishes every event itself).
     */
    private void serveWhenNoCatchUpRuns() {
        if (catchUpsRunning.get() == 0 && !active.serving()) {
            active.serve(readBeforeRestart.get() ? stations : NOBODY);
            log.info("Alarm fan-out: {} alarms not over and {} that ended in the last {}, sent to consoles when they "
                    + "subscribe", active.open(), active.ended(), ActiveAlarmTopics.ENDED_KEPT);
        }
    }

    /**
     * The records of one poll of a catch-up: published before the restart, so only the alarms not over learn of
     * them. Parsed here, applied under one lock.
     */
    private void catchUp(List<ConsumerRecord<String, byte[]>> records) {
        List<ActiveAlarmTopics.Update> updates = new ArrayList<>(records.size());
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                AlarmEvent event = AlarmTopicReader.parse(record, AlarmEvent.parser(), "AlarmEvent");
                if (MqttTopics.isLevel(event.getSiteId())) {
                    updates.add(new ActiveAlarmTopics.Update(event, record.value(), topicsOf(event, false),
                            record.partition(), record.offset()));
                }
            } catch (AlarmTopicReader.BadRecord e) {
                // Counted and logged when the fan-out met it the first time.
                log.debug("Alarm fan-out catch-up: record {}-{}@{} skipped: {}", record.topic(), record.partition(),
                        record.offset(), e.getMessage());
            }
        }
        active.applyAll(updates);
    }

    /** The consumer configuration used for a bootstrap address, group and overrides. */
    public static Map<String, Object> consumerProperties(String bootstrapServers, String groupId,
                                                         Map<String, Object> overrides) {
        return AlarmTopicReader.consumerProperties(bootstrapServers,
                "tocsin-ingest-alarms-" + Objects.requireNonNull(groupId), groupId, true, overrides);
    }

    /** Starts consuming on its own thread. */
    public AlarmFanout start() {
        reader.start();
        return this;
    }

    private void fanOut(ConsumerRecord<String, byte[]> record) throws AlarmTopicReader.BadRecord {
        byte[] value = record.value();
        AlarmEvent event = AlarmTopicReader.parse(record, AlarmEvent.parser(), "AlarmEvent");
        if (!MqttTopics.isLevel(event.getSiteId())) {
            throw new AlarmTopicReader.BadRecord(
                    "alarm " + event.getAlarmId() + " has an unusable site id '" + event.getSiteId() + "'");
        }
        Set<String> topics = topicsOf(event, true);
        active.apply(new ActiveAlarmTopics.Update(event, value, topics, record.partition(), record.offset()));
        int reached = 0;
        boolean failure = false;
        for (String mqttTopic : topics) {
            try {
                reached += stations.publish(mqttTopic, value, MqttQoS.AT_LEAST_ONCE);
            } catch (RuntimeException e) {
                // One topic failing must not keep the alarm from the others.
                failure = true;
                log.error("Alarm {} (record {}-{}@{}) could not be published on {}", event.getAlarmId(),
                        record.topic(), record.partition(), record.offset(), mqttTopic, e);
            }
        }
        if (failure) {
            failed.increment();
        }
        if (reached == 0) {
            if (!failure) {
                unrouted.increment();
                log.warn("Alarm {} ({} {} on sensor {}) for site {}: no station subscribed to any of {}",
                        event.getAlarmId(), event.getSeverity(), event.getState(), event.getSensorId(),
                        event.getSiteId(), topics);
            }
        } else {
            delivered.increment();
            log.debug("Alarm {} published on {} to {} subscriptions", event.getAlarmId(), topics, reached);
        }
    }

    /** The site's alarm topic and the topic of each station the event was routed to (a usable id). */
    private static Set<String> topicsOf(AlarmEvent event, boolean warn) {
        Set<String> topics = new LinkedHashSet<>();
        topics.add(MqttTopics.alarms(event.getSiteId()));
        for (String stationId : event.getStationIdsList()) {
            if (MqttTopics.isLevel(stationId)) {
                topics.add(MqttTopics.stationAlarms(stationId));
            } else if (warn) {
                log.warn("Alarm {}: station id '{}' cannot be a topic level; published on the other topics only",
                        event.getAlarmId(), stationId);
            }
        }
        return topics;
    }

    /** Stops polling (waking the consumer up) and waits for the thread, which closes the consumer. */
    @Override
    public void close() {
        reader.close(); // first: no catch-up starts after this
        catchUps.forEach(AlarmHistoryReader::close);
    }
}
