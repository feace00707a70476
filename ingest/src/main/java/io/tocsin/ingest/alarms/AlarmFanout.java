package io.tocsin.ingest.alarms;

import io.micrometer.core.instrument.Counter;
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
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Carries alarm events from the Kafka alarms topic to the MQTT clients of the fire stations: each record's value,
 * an {@link AlarmEvent}, is published unchanged at QoS 1 on {@code tocsin/v1/alarms/{siteId}} and on
 * {@code tocsin/v1/stations/{stationId}/alarms} for each of its {@code station_ids} (the stations the alarm job
 * routed it to, escalation targets included). A station console subscribed with a persistent session gets what
 * was published on its topic while it was offline when it comes back (the session's bounded queue).
 *
 * <p>A console that comes back without its session (its ingest node restarted, or it reconnected to another node
 * behind the load balancer) gets, when it subscribes, every alarm on the topic that is not over: the latest event
 * of each, with the RETAIN flag set ({@link ActiveAlarmTopics}, kept as {@link CurrentMessages}). For that the
 * fan-out reads the alarms topic from its beginning at start, but publishes only what comes after the offsets its
 * consumer group had committed (what it had not yet published); the current messages are served once it has read
 * up to there, when they are also published once to the consoles subscribed at that moment (those that subscribed
 * while it was reading). Stations recognise an event they already have by its {@code alarm_id}.
 *
 * <p>One thread polls a {@link KafkaConsumer} (an {@link AlarmTopicReader}). A record that is not a valid alarm
 * event is logged, counted ({@value #BAD}) and skipped: one bad record must never stop the alarms behind it.
 *
 * <p>Every ingest instance serves its own connected stations, so every instance needs its own consumer group id
 * (all instances must see all alarms). Offsets are committed automatically after the records were handed to the
 * MQTT side; a restart may repeat a few alarms, which stations recognise by their {@code alarm_id} (more if it
 * stops while reading the topic from its beginning, which commits offsets behind the earlier ones). A new group
 * (no committed offsets) publishes the whole topic, as before.
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

    private static final Logger log = LoggerFactory.getLogger(AlarmFanout.class);
    private static final AlarmTopicReader.Settings READER = new AlarmTopicReader.Settings("Alarm fan-out",
            "tocsin-alarm-fanout", Duration.ofMillis(100), Duration.ofSeconds(1),
            "alarms are no longer delivered to stations");

    private final MessagePublisher stations;
    private final Counter delivered;
    private final Counter unrouted;
    private final Counter failed;
    private final AlarmTopicReader reader;
    private final ActiveAlarmTopics active;
    /** Per partition: the committed offset at the first assignment; records before it are read, not published. */
    private final Map<TopicPartition, Long> publishFrom = new HashMap<>();

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
                topic, stations, current, meters);
    }

    /** For tests: runs on a given consumer (e.g. Kafka's MockConsumer). */
    AlarmFanout(Consumer<String, byte[]> consumer, String topic, MessagePublisher stations, CurrentMessages current,
                MeterRegistry meters) {
        Objects.requireNonNull(topic, "topic");
        this.stations = Objects.requireNonNull(stations, "stations");
        this.active = new ActiveAlarmTopics(Objects.requireNonNull(current, "current"));
        this.delivered = meters.counter(DELIVERED);
        this.unrouted = meters.counter(UNROUTED);
        this.failed = meters.counter(FAILED);
        // Offsets: Kafka's auto-commit, after the records were handed to the MQTT side.
        this.reader = new AlarmTopicReader(READER, consumer, kafka -> {
            kafka.subscribe(List.of(topic), new FromTheBeginning(kafka));
            log.info("Alarm fan-out consuming {}", topic);
        }, this::fanOut, new AlarmTopicReader.CommitPolicy() {
            @Override
            public void afterPoll(Consumer<String, byte[]> kafka) {
                serveWhenCaughtUp(kafka);
            }
        }, meters.counter(BAD));
    }

    /**
     * On a partition's first assignment: remembers the group's committed offset (where publishing resumes) and
     * reads from the beginning, to rebuild the alarms that are not over. A later assignment of the same partition
     * (a rebalance) resumes from the committed offset as usual.
     */
    private final class FromTheBeginning implements ConsumerRebalanceListener {
        private final Consumer<String, byte[]> kafka;

        FromTheBeginning(Consumer<String, byte[]> kafka) {
            this.kafka = kafka;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Set<TopicPartition> first = new HashSet<>(partitions);
            first.removeAll(publishFrom.keySet());
            if (first.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> committed = kafka.committed(first);
            for (TopicPartition partition : first) {
                OffsetAndMetadata offset = committed.get(partition);
                publishFrom.put(partition, offset == null ? 0L : offset.offset());
            }
            kafka.seekToBeginning(first);
            log.info("Alarm fan-out reading {} from the beginning for the alarms not over; publishing from {}",
                    first, publishFrom);
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        }
    }

    /** Serves the alarms not over once every assigned partition was read up to where publishing resumed. */
    private void serveWhenCaughtUp(Consumer<String, byte[]> kafka) {
        if (active.serving() || publishFrom.isEmpty()) {
            return;
        }
        for (TopicPartition partition : kafka.assignment()) {
            Long from = publishFrom.get(partition);
            if (from != null && kafka.position(partition) < from) {
                return;
            }
        }
        active.serve(stations);
        log.info("Alarm fan-out caught up: {} alarms not over, sent to consoles when they subscribe", active.size());
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
        Set<String> topics = new LinkedHashSet<>();
        topics.add(MqttTopics.alarms(event.getSiteId()));
        for (String stationId : event.getStationIdsList()) {
            if (MqttTopics.isLevel(stationId)) {
                topics.add(MqttTopics.stationAlarms(stationId));
            } else {
                log.warn("Alarm {}: station id '{}' cannot be a topic level; published on the other topics only",
                        event.getAlarmId(), stationId);
            }
        }
        active.apply(event, value, topics);
        if (record.offset() < publishFrom.getOrDefault(new TopicPartition(record.topic(), record.partition()), 0L)) {
            return; // published before the restart: read only for the alarms not over
        }
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

    /** Stops polling (waking the consumer up) and waits for the thread, which closes the consumer. */
    @Override
    public void close() {
        reader.close();
    }
}
