package io.tocsin.ingest.alarms;

import com.google.protobuf.InvalidProtocolBufferException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.tocsin.ingest.pubsub.MessagePublisher;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.AlarmEvent;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
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
 * <p>One thread polls a {@link KafkaConsumer}. A record that is not a valid alarm event is logged, counted
 * ({@value #BAD}) and skipped: one bad record must never stop the alarms behind it.
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
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    private static final Duration ERROR_BACKOFF = Duration.ofSeconds(1);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final MessagePublisher stations;
    private final Counter delivered;
    private final Counter unrouted;
    private final Counter bad;
    private final Counter failed;
    private final Thread thread;
    private volatile boolean running = true;
    private boolean started;
    private boolean closed;

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
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.stations = Objects.requireNonNull(stations, "stations");
        this.delivered = meters.counter(DELIVERED);
        this.unrouted = meters.counter(UNROUTED);
        this.bad = meters.counter(BAD);
        this.failed = meters.counter(FAILED);
        this.thread = new Thread(this::run, "tocsin-alarm-fanout");
        this.thread.setDaemon(true);
    }

    /** The consumer configuration used for a bootstrap address, group and overrides. */
    public static Map<String, Object> consumerProperties(String bootstrapServers, String groupId,
                                                         Map<String, Object> overrides) {
        Map<String, Object> properties = new HashMap<>();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, Objects.requireNonNull(bootstrapServers));
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, Objects.requireNonNull(groupId));
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "tocsin-ingest-alarms-" + groupId);
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, true);
        properties.putAll(overrides);
        return properties;
    }

    /** Starts consuming on its own thread. */
    public synchronized AlarmFanout start() {
        if (started || closed) {
            throw new IllegalStateException(closed ? "closed" : "already started");
        }
        started = true;
        thread.start();
        return this;
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic));
            log.info("Alarm fan-out consuming {}", topic);
            while (running) {
                try {
                    ConsumerRecords<String, byte[]> records = consumer.poll(POLL_TIMEOUT);
                    for (ConsumerRecord<String, byte[]> record : records) {
                        fanOut(record);
                    }
                } catch (WakeupException e) {
                    if (running) {
                        throw e;
                    }
                } catch (RuntimeException e) {
                    if (!running) {
                        break;
                    }
                    // Kafka retries most problems inside poll(); what gets here (authorization, a deleted topic)
                    // is logged and retried after a pause rather than killing the alarm path.
                    log.error("Alarm fan-out failed to poll {}, retrying in {} ms", topic, ERROR_BACKOFF.toMillis(), e);
                    pause();
                }
            }
        } catch (RuntimeException e) {
            log.error("Alarm fan-out stopped unexpectedly: alarms are no longer delivered to stations", e);
        } finally {
            consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
            log.info("Alarm fan-out stopped");
        }
    }

    private void fanOut(ConsumerRecord<String, byte[]> record) {
        byte[] value = record.value();
        AlarmEvent event;
        try {
            if (value == null) {
                throw new InvalidProtocolBufferException("record has no value");
            }
            event = AlarmEvent.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            rejectRecord(record, "not an AlarmEvent: " + e.getMessage());
            return;
        }
        if (!MqttTopics.isLevel(event.getSiteId())) {
            rejectRecord(record, "alarm " + event.getAlarmId() + " has an unusable site id '" + event.getSiteId() + "'");
            return;
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

    private void rejectRecord(ConsumerRecord<String, byte[]> record, String why) {
        bad.increment();
        log.warn("Skipped alarm record {}-{}@{} (key {}): {}", record.topic(), record.partition(), record.offset(),
                record.key(), why);
    }

    private void pause() {
        try {
            Thread.sleep(ERROR_BACKOFF.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Stops polling (waking the consumer up) and waits for the thread, which closes the consumer. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        if (!started) {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
            return;
        }
        consumer.wakeup();
        try {
            thread.join(CLOSE_TIMEOUT.toMillis() + POLL_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("Alarm fan-out thread did not stop within {} s", CLOSE_TIMEOUT.toSeconds());
        }
    }
}
