package io.tocsin.ingest.alarms;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.tocsin.ingest.pubsub.MessagePublisher;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.AlarmEvent;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
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
 * <p>One thread polls a {@link KafkaConsumer} (an {@link AlarmTopicReader}). A record that is not a valid alarm
 * event is logged, counted ({@value #BAD}) and skipped: one bad record must never stop the alarms behind it.
 *
 * <p>Every ingest instance serves its own connected stations, so every instance needs its own consumer group id
 * (all instances must see all alarms). Offsets are committed automatically after the records were handed to the
 * MQTT side; a restart may repeat a few alarms, which stations recognise by their {@code alarm_id}.
 *
 * <pre>{@code
 * AlarmFanout fanout = new AlarmFanout(bootstrap, "tocsin.alarms", "tocsin-ingest-" + instanceId,
 *         server.subscriptions(), meterRegistry).start();
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

    /**
     * @param bootstrapServers Kafka bootstrap servers
     * @param topic            the alarms topic
     * @param groupId          consumer group; one per ingest instance
     * @param stations         where to publish, normally {@code IngestServer.subscriptions()}
     */
    public AlarmFanout(String bootstrapServers, String topic, String groupId, MessagePublisher stations,
                       MeterRegistry meters) {
        this(bootstrapServers, topic, groupId, stations, meters, Map.of());
    }

    /** As above, with extra or overriding consumer properties. */
    public AlarmFanout(String bootstrapServers, String topic, String groupId, MessagePublisher stations,
                       MeterRegistry meters, Map<String, Object> consumerOverrides) {
        this(new KafkaConsumer<>(consumerProperties(bootstrapServers, groupId, consumerOverrides)),
                topic, stations, meters);
    }

    /** For tests: runs on a given consumer (e.g. Kafka's MockConsumer). */
    AlarmFanout(Consumer<String, byte[]> consumer, String topic, MessagePublisher stations, MeterRegistry meters) {
        Objects.requireNonNull(topic, "topic");
        this.stations = Objects.requireNonNull(stations, "stations");
        this.delivered = meters.counter(DELIVERED);
        this.unrouted = meters.counter(UNROUTED);
        this.failed = meters.counter(FAILED);
        // Offsets: Kafka's auto-commit, after the records were handed to the MQTT side.
        this.reader = new AlarmTopicReader(READER, consumer, kafka -> {
            kafka.subscribe(List.of(topic));
            log.info("Alarm fan-out consuming {}", topic);
        }, this::fanOut, AlarmTopicReader.CommitPolicy.NONE, meters.counter(BAD));
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
