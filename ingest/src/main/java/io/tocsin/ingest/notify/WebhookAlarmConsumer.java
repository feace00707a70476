package io.tocsin.ingest.notify;

import com.google.protobuf.InvalidProtocolBufferException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tocsin.proto.v1.AlarmEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the alarms topic into a {@link WebhookNotifier}.
 *
 * <p>All ingest instances share one consumer group ({@value #DEFAULT_GROUP_ID}): each alarm event is notified by
 * one instance, once city-wide (the MQTT fan-out, by contrast, needs every instance to see every alarm).
 *
 * <p>Offsets are committed by hand, per partition, only up to the last record whose notifications were all
 * delivered or dead-lettered: a crash or restart re-reads the rest, and the notifier's record of delivered keys
 * keeps that from sending anything twice. A slow station holds back the commit, not the consumption: records go on
 * being read and handed over until {@code maxPending} are unfinished, then the consumer pauses.
 *
 * <p>A record that is not an alarm event is logged, counted ({@value #BAD}) and skipped.
 */
public final class WebhookAlarmConsumer implements AutoCloseable {

    public static final String DEFAULT_GROUP_ID = "tocsin-webhooks";
    /** Records that are not usable alarm events, skipped. */
    public static final String BAD = "tocsin.notify.webhook.bad_records";

    private static final Logger log = LoggerFactory.getLogger(WebhookAlarmConsumer.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);
    private static final Duration ERROR_BACKOFF = Duration.ofSeconds(1);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final int DEFAULT_MAX_PENDING = 10_000;

    private final Consumer<String, byte[]> consumer;
    private final String topic;
    private final WebhookNotifier notifier;
    private final int maxPending;
    private final Counter bad;
    private final Map<TopicPartition, TreeMap<Long, CompletableFuture<Void>>> pending = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;
    private boolean started;
    private boolean closed;
    private boolean paused;

    public WebhookAlarmConsumer(String bootstrapServers, String topic, WebhookNotifier notifier, MeterRegistry meters) {
        this(bootstrapServers, topic, DEFAULT_GROUP_ID, notifier, meters, Map.of());
    }

    /** As above with a group id and extra or overriding consumer properties. */
    public WebhookAlarmConsumer(String bootstrapServers, String topic, String groupId, WebhookNotifier notifier,
                                MeterRegistry meters, Map<String, Object> consumerOverrides) {
        this(new KafkaConsumer<>(consumerProperties(bootstrapServers, groupId, consumerOverrides)), topic, notifier,
                meters, DEFAULT_MAX_PENDING);
    }

    WebhookAlarmConsumer(Consumer<String, byte[]> consumer, String topic, WebhookNotifier notifier,
                         MeterRegistry meters, int maxPending) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.notifier = Objects.requireNonNull(notifier, "notifier");
        this.maxPending = maxPending;
        this.bad = meters.counter(BAD);
        this.thread = new Thread(this::run, "tocsin-webhook-consumer");
        this.thread.setDaemon(true);
    }

    /** The consumer configuration: manual commits, from the earliest record when the group is new. */
    public static Map<String, Object> consumerProperties(String bootstrapServers, String groupId,
                                                         Map<String, Object> overrides) {
        Map<String, Object> properties = new HashMap<>();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, Objects.requireNonNull(bootstrapServers));
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, Objects.requireNonNull(groupId));
        properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "tocsin-webhooks-" + groupId);
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        properties.putAll(overrides);
        return properties;
    }

    public synchronized WebhookAlarmConsumer start() {
        if (started || closed) {
            throw new IllegalStateException(closed ? "closed" : "already started");
        }
        started = true;
        thread.start();
        return this;
    }

    private void run() {
        try {
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    commitFinished();
                    // In-flight deliveries go on; the new owner may send them again (receivers dedupe on the
                    // delivery id), which is better than holding the partition.
                    partitions.forEach(pending::remove);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    paused = false; // a fresh assignment is not paused
                }
            });
            log.info("Webhook notifications consuming {}", topic);
            while (running) {
                try {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL_TIMEOUT)) {
                        hand(record);
                    }
                    commitFinished();
                    applyBackpressure();
                } catch (WakeupException e) {
                    if (running) {
                        throw e;
                    }
                } catch (RuntimeException e) {
                    if (!running) {
                        break;
                    }
                    log.error("Webhook consumer failed on {}, retrying in {} ms", topic, ERROR_BACKOFF.toMillis(), e);
                    pause();
                }
            }
        } catch (RuntimeException e) {
            log.error("Webhook consumer stopped unexpectedly: stations' webhooks get no more alarms", e);
        } finally {
            try {
                commitFinished();
            } catch (RuntimeException e) {
                log.warn("Final commit of webhook offsets failed: {}", e.toString());
            }
            consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
            log.info("Webhook consumer stopped");
        }
    }

    private void hand(ConsumerRecord<String, byte[]> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        CompletableFuture<Void> done;
        try {
            if (record.value() == null) {
                throw new InvalidProtocolBufferException("record has no value");
            }
            done = notifier.submit(AlarmEvent.parseFrom(record.value()));
        } catch (InvalidProtocolBufferException e) {
            bad.increment();
            log.warn("Skipped alarm record {}-{}@{} (key {}): not an AlarmEvent: {}", record.topic(),
                    record.partition(), record.offset(), record.key(), e.getMessage());
            done = CompletableFuture.completedFuture(null);
        }
        pending.computeIfAbsent(partition, p -> new TreeMap<>()).put(record.offset(), done);
    }

    /** Commits, per partition, past the longest run of finished records from the start. */
    private void commitFinished() {
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        for (Map.Entry<TopicPartition, TreeMap<Long, CompletableFuture<Void>>> entry : pending.entrySet()) {
            long next = -1;
            for (Iterator<Map.Entry<Long, CompletableFuture<Void>>> it = entry.getValue().entrySet().iterator();
                 it.hasNext(); ) {
                Map.Entry<Long, CompletableFuture<Void>> record = it.next();
                CompletableFuture<Void> done = record.getValue();
                if (!done.isDone() || done.isCompletedExceptionally()) {
                    break;
                }
                next = record.getKey() + 1;
                it.remove();
            }
            if (next >= 0) {
                commits.put(entry.getKey(), new OffsetAndMetadata(next));
            }
        }
        if (!commits.isEmpty()) {
            consumer.commitSync(commits);
        }
    }

    private void applyBackpressure() {
        int unfinished = 0;
        for (TreeMap<Long, CompletableFuture<Void>> records : pending.values()) {
            unfinished += records.size();
        }
        if (!paused && unfinished >= maxPending) {
            List<TopicPartition> assigned = new ArrayList<>(consumer.assignment());
            consumer.pause(assigned);
            paused = true;
            log.warn("Webhook consumer paused: {} alarm records wait for slow or failing webhooks", unfinished);
        } else if (paused && unfinished < maxPending / 2) {
            consumer.resume(consumer.paused());
            paused = false;
            log.info("Webhook consumer resumed");
        }
    }

    private void pause() {
        try {
            Thread.sleep(ERROR_BACKOFF.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Stops consuming; commits what was finished. Close the notifier after this. */
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
            log.warn("Webhook consumer thread did not stop within {} s", CLOSE_TIMEOUT.toSeconds());
        }
    }
}
