package io.tocsin.ingest.cluster;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.tocsin.ingest.alarms.AlarmTopicReader;
import io.tocsin.ingest.pubsub.ClientMessageRelay;
import io.tocsin.ingest.pubsub.RetainedMessages;
import io.tocsin.ingest.pubsub.SubscriptionRegistry;
import io.tocsin.ingest.telemetry.KafkaTelemetryWriter;
import io.tocsin.proto.v1.ClientMessage;
import io.tocsin.proto.v1.ClientMessageUserProperty;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The messages clients publish to each other, between ingest nodes, through two Kafka topics:
 * <ul>
 *   <li>{@code client-messages} (keyed by MQTT topic, so one topic's messages stay in order; a short retention is
 *       enough): every message; each node delivers the other nodes' messages to its own subscribers, from where the
 *       topic ended when it started (and, after a failure of its consumer, from where it was);</li>
 *   <li>{@code retained-messages} (compacted, keyed by MQTT topic): the messages published with RETAIN; each node
 *       reads it from the beginning at start (a node that starts later, or again, has every retained message: a
 *       gateway's remote configuration, a siren's last state) and keeps reading it, its own included, so that every
 *       node ends with the retained message Kafka ordered last.</li>
 * </ul>
 * A node delivers its own clients' messages itself at once (see {@code RelayPublishHandler}) and skips them here,
 * by the node id in each record (a random id per run, so a restarted node's earlier messages count as another
 * node's). What this does not do: a shared subscription with members on several nodes gets a message once per node
 * with members; MQTT 5 "no local" applies on the publisher's node only.
 *
 * <pre>{@code
 * KafkaClientMessageRelay relay = new KafkaClientMessageRelay(bootstrap, Topics.standard(), timeout, meters);
 * IngestServer server = IngestServer.builder(config, telemetry, meters).otherNodes(relay).build();
 * relay.start(server.subscriptions(), server.retainedMessages()).awaitRetainedLoaded(Duration.ofSeconds(30));
 * server.start();
 * }</pre>
 */
public final class KafkaClientMessageRelay implements ClientMessageRelay, AutoCloseable {

    /** Counter: messages of other nodes delivered to this node's subscribers. */
    public static final String RECEIVED = "tocsin.ingest.relay.from_other_nodes";
    /** Counter: records of the relay topics that could not be parsed (skipped). */
    public static final String BAD = "tocsin.ingest.relay.bad";

    /** The two topics; see the class comment. */
    public record Topics(String messages, String retained) {
        public Topics {
            Objects.requireNonNull(messages, "messages");
            Objects.requireNonNull(retained, "retained");
        }

        public static Topics standard() {
            return new Topics("client-messages", "retained-messages");
        }
    }

    /**
     * Configuration for the client-messages topic: a day's retention (a node reads back in it only after its
     * consumer failed; what it needs to keep for longer are the retained messages, in their compacted topic).
     */
    public static final Map<String, String> MESSAGES_TOPIC_CONFIG =
            Map.of("retention.ms", String.valueOf(Duration.ofDays(1).toMillis()));

    private static final Logger log = LoggerFactory.getLogger(KafkaClientMessageRelay.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final String bootstrapServers;
    private final Topics topics;
    private final String node = UUID.randomUUID().toString();
    private final Producer<String, byte[]> producer;
    private final MeterRegistry meters;
    private final Counter received;
    private final CountDownLatch retainedLoaded = new CountDownLatch(1);
    /** Where the consumer of client messages was, so that a new one after a failure goes on from there. */
    private final Map<TopicPartition, Long> messagesPosition = new ConcurrentHashMap<>();
    /** Retained partitions not yet read up to the end seen at start. */
    private final Map<TopicPartition, Long> retainedEnd = new ConcurrentHashMap<>();
    private AlarmTopicReader reader;
    private SubscriptionRegistry subscribers;
    private RetainedMessages retained;

    /**
     * Creates the producer and fetches both topics' partitions.
     *
     * @param deliveryTimeout how long Kafka may take to store a message before the client is told to resend
     * @throws IllegalStateException when a topic's metadata cannot be fetched in time (broker down, topic missing):
     *                               the node could not reach the others, better to fail at start
     */
    public KafkaClientMessageRelay(String bootstrapServers, Topics topics, Duration deliveryTimeout,
                                   MeterRegistry meters) {
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.meters = Objects.requireNonNull(meters, "meters");
        this.received = meters.counter(RECEIVED);
        // The telemetry writer's producer settings (acks=all, idempotence, bounded blocking), without its linger:
        // a siren's command must not wait to fill a batch.
        this.producer = new KafkaProducer<>(KafkaTelemetryWriter.producerProperties(bootstrapServers, deliveryTimeout,
                Map.of(ProducerConfig.CLIENT_ID_CONFIG, "tocsin-ingest-relay-" + node,
                        ProducerConfig.LINGER_MS_CONFIG, 0)));
        try {
            warmUp(topics.messages(), deliveryTimeout);
            warmUp(topics.retained(), deliveryTimeout);
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw new IllegalStateException("the client message relay cannot reach Kafka topics " + topics.messages()
                    + " and " + topics.retained() + " at " + bootstrapServers + ": create them (" + topics.retained()
                    + " compacted) or fix the bootstrap address", e);
        }
    }

    /** Fetches a topic's partitions now, retrying until the deadline, so that the first send does not block. */
    private void warmUp(String topic, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last;
        do {
            try {
                producer.partitionsFor(topic);
                return;
            } catch (RetriableException e) {
                last = e; // partitionsFor gives up after max.block.ms; the broker may still be starting
            }
        } while (System.nanoTime() < deadline);
        throw new IllegalStateException("topic " + topic + " not available within " + timeout, last);
    }

    /**
     * Starts reading the other nodes' messages into this node's subscribers and retained messages; before the
     * server starts, so that its first clients find the retained messages (see {@link #awaitRetainedLoaded}).
     */
    public synchronized KafkaClientMessageRelay start(SubscriptionRegistry subscribers, RetainedMessages retained) {
        if (reader != null) {
            throw new IllegalStateException("already started");
        }
        this.subscribers = Objects.requireNonNull(subscribers, "subscribers");
        this.retained = Objects.requireNonNull(retained, "retained");
        reader = AlarmTopicReader.restarting(new AlarmTopicReader.Settings("Client message relay",
                        "tocsin-ingest-relay", Duration.ofMillis(200), Duration.ofSeconds(1),
                        "messages clients publish on other ingest nodes no longer reach this node's subscribers"),
                () -> new KafkaConsumer<>(AlarmTopicReader.consumerProperties(bootstrapServers,
                        "tocsin-ingest-relay-" + node, null, false, Map.of())),
                () -> { }, this::attach, this::handle, new AlarmTopicReader.CommitPolicy() {
                    @Override
                    public void afterPoll(Consumer<String, byte[]> kafka) {
                        checkRetainedLoaded(kafka);
                    }
                }, meters.counter(BAD));
        reader.start();
        return this;
    }

    /** Waits until the retained messages stored before the start are read; false (and a WARN) after {@code max}. */
    public boolean awaitRetainedLoaded(Duration max) throws InterruptedException {
        boolean loaded = retainedLoaded.await(max.toMillis(), TimeUnit.MILLISECONDS);
        if (!loaded) {
            log.warn("Retained messages of the other ingest nodes not loaded within {}: clients that subscribe now "
                    + "may miss them until they are", max);
        }
        return loaded;
    }

    @Override
    public CompletableFuture<?> relay(String topic, byte[] payload, MqttQoS qos, boolean retain,
                                      MqttProperties properties) {
        byte[] value = encode(node, topic, payload, qos, retain, properties).toByteArray();
        CompletableFuture<?> message = send(topics.messages(), topic, value);
        return retain ? CompletableFuture.allOf(message, send(topics.retained(), topic, value)) : message;
    }

    private CompletableFuture<Void> send(String kafkaTopic, String key, byte[] value) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(kafkaTopic, key, value), (metadata, failure) -> {
                if (failure != null) {
                    written.completeExceptionally(failure);
                } else {
                    written.complete(null);
                }
            });
        } catch (RuntimeException e) {
            written.completeExceptionally(e);
        }
        return written;
    }

    private void attach(Consumer<String, byte[]> kafka) {
        List<TopicPartition> messages = AlarmTopicReader.partitions(kafka, topics.messages());
        List<TopicPartition> retainedPartitions = AlarmTopicReader.partitions(kafka, topics.retained());
        List<TopicPartition> all = new ArrayList<>(messages);
        all.addAll(retainedPartitions);
        kafka.assign(all);
        Map<TopicPartition, Long> ends = kafka.endOffsets(messages);
        for (TopicPartition partition : messages) {
            kafka.seek(partition, messagesPosition.getOrDefault(partition, ends.get(partition)));
        }
        kafka.seekToBeginning(retainedPartitions);
        if (retainedLoaded.getCount() > 0) {
            retainedEnd.clear();
            retainedEnd.putAll(kafka.endOffsets(retainedPartitions));
        }
        log.info("Client message relay: node {} reads the other nodes' messages on {} and retained messages on {}",
                node, topics.messages(), topics.retained());
    }

    private void checkRetainedLoaded(Consumer<String, byte[]> kafka) {
        if (retainedLoaded.getCount() > 0) {
            retainedEnd.entrySet().removeIf(end -> kafka.position(end.getKey()) >= end.getValue());
            if (retainedEnd.isEmpty()) {
                log.info("Client message relay: retained messages loaded ({} held)", retained.size());
                retainedLoaded.countDown();
            }
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) throws AlarmTopicReader.BadRecord {
        boolean retainedTopic = record.topic().equals(topics.retained());
        if (!retainedTopic) {
            messagesPosition.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
        }
        ClientMessage message = AlarmTopicReader.parse(record, ClientMessage.parser(), "ClientMessage");
        if (message.getTopic().isEmpty() || message.getQos() > 2) {
            throw new AlarmTopicReader.BadRecord("no topic or QoS " + message.getQos());
        }
        MqttProperties properties = properties(message, record.timestamp());
        boolean expired = properties == null;
        MqttQoS qos = MqttQoS.valueOf(message.getQos());
        byte[] payload = message.getPayload().toByteArray();
        if (retainedTopic) {
            // Every node's, this one's too, in Kafka's order: all nodes end with the same retained message.
            retained.retain(message.getTopic(), expired ? new byte[0] : payload, qos,
                    expired ? MqttProperties.NO_PROPERTIES : properties);
        } else if (!message.getOriginNode().equals(node) && !expired) {
            subscribers.route(null, message.getTopic(), payload, qos, properties);
            received.increment();
        }
    }

    private static ClientMessage encode(String node, String topic, byte[] payload, MqttQoS qos, boolean retain,
                                MqttProperties properties) {
        ClientMessage.Builder message = ClientMessage.newBuilder().setOriginNode(node).setTopic(topic)
                .setPayload(ByteString.copyFrom(payload)).setQos(qos.value()).setRetain(retain);
        for (MqttProperties.MqttProperty<?> property : properties.listAll()) {
            Object value = property.value();
            switch (property.propertyId()) {
                case MqttProperties.PAYLOAD_FORMAT_INDICATOR -> message.setPayloadFormatIndicator((Integer) value);
                case MqttProperties.PUBLICATION_EXPIRY_INTERVAL -> message.setMessageExpiryInterval((Integer) value);
                case MqttProperties.CONTENT_TYPE -> message.setContentType((String) value);
                case MqttProperties.RESPONSE_TOPIC -> message.setResponseTopic((String) value);
                case MqttProperties.CORRELATION_DATA -> message.setCorrelationData(ByteString.copyFrom((byte[]) value));
                case MqttProperties.USER_PROPERTY -> {
                    if (value instanceof MqttProperties.StringPair pair) {
                        message.addUserProperties(userProperty(pair));
                    } else if (value instanceof List<?> pairs) {
                        for (Object pair : pairs) {
                            message.addUserProperties(userProperty((MqttProperties.StringPair) pair));
                        }
                    }
                }
                default -> { } // not meant for the receiver: RelayPublishHandler forwards only the above
            }
        }
        return message.build();
    }

    private static ClientMessageUserProperty userProperty(MqttProperties.StringPair pair) {
        return ClientMessageUserProperty.newBuilder().setKey(pair.key).setValue(pair.value).build();
    }

    /**
     * The MQTT 5 properties to deliver with, the message expiry lowered by the time since the record was written;
     * null when the message has expired.
     */
    static MqttProperties properties(ClientMessage message, long writtenAtMs) {
        MqttProperties properties = new MqttProperties();
        if (message.hasMessageExpiryInterval()) {
            long remaining = message.getMessageExpiryInterval()
                    - Math.max(0, System.currentTimeMillis() - writtenAtMs) / 1000;
            if (remaining <= 0) {
                return null;
            }
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL,
                    (int) remaining));
        }
        if (message.hasPayloadFormatIndicator()) {
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.PAYLOAD_FORMAT_INDICATOR,
                    message.getPayloadFormatIndicator()));
        }
        if (!message.getContentType().isEmpty()) {
            properties.add(new MqttProperties.StringProperty(MqttProperties.CONTENT_TYPE, message.getContentType()));
        }
        if (!message.getResponseTopic().isEmpty()) {
            properties.add(new MqttProperties.StringProperty(MqttProperties.RESPONSE_TOPIC,
                    message.getResponseTopic()));
        }
        if (!message.getCorrelationData().isEmpty()) {
            properties.add(new MqttProperties.BinaryProperty(MqttProperties.CORRELATION_DATA,
                    message.getCorrelationData().toByteArray()));
        }
        if (message.getUserPropertiesCount() > 0) {
            MqttProperties.UserProperties users = new MqttProperties.UserProperties();
            message.getUserPropertiesList().forEach(user -> users.add(user.getKey(), user.getValue()));
            properties.add(users);
        }
        return properties.isEmpty() ? MqttProperties.NO_PROPERTIES : properties;
    }

    /** Stops reading, then waits (bounded) for messages already handed to Kafka. */
    @Override
    public synchronized void close() {
        if (reader != null) {
            reader.close();
        }
        producer.close(CLOSE_TIMEOUT);
    }
}
