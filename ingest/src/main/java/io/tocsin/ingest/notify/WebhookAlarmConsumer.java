package io.tocsin.ingest.notify;

import io.micrometer.core.instrument.MeterRegistry;
import io.tocsin.ingest.alarms.AlarmTopicReader;
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
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
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
    private static final AlarmTopicReader.Settings READER = new AlarmTopicReader.Settings("Webhook consumer",
            "tocsin-webhook-consumer", Duration.ofMillis(100), Duration.ofSeconds(1),
            "stations' webhooks get no more alarms");
    private static final int DEFAULT_MAX_PENDING = 10_000;

    private final Consumer<String, byte[]> consumer;
    private final WebhookNotifier notifier;
    private final int maxPending;
    private final Map<TopicPartition, TreeMap<Long, CompletableFuture<Void>>> pending = new HashMap<>();
    private final AlarmTopicReader reader;
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
        Objects.requireNonNull(topic, "topic");
        this.notifier = Objects.requireNonNull(notifier, "notifier");
        this.maxPending = maxPending;
        this.reader = new AlarmTopicReader(READER, consumer, kafka -> {
            kafka.subscribe(List.of(topic), new ConsumerRebalanceListener() {
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
        }, this::hand, new AlarmTopicReader.CommitPolicy() {
            @Override
            public void skipped(ConsumerRecord<String, byte[]> record) {
                finished(record, CompletableFuture.completedFuture(null));
            }

            @Override
            public void afterPoll(Consumer<String, byte[]> kafka) {
                commitFinished();
                applyBackpressure();
            }

            @Override
            public void beforeClose(Consumer<String, byte[]> kafka) {
                commitFinished();
            }
        }, meters.counter(BAD));
    }

    /** The consumer configuration: manual commits, from the earliest record when the group is new. */
    public static Map<String, Object> consumerProperties(String bootstrapServers, String groupId,
                                                         Map<String, Object> overrides) {
        return AlarmTopicReader.consumerProperties(bootstrapServers,
                "tocsin-webhooks-" + Objects.requireNonNull(groupId), groupId, false, overrides);
    }

    public WebhookAlarmConsumer start() {
        reader.start();
        return this;
    }

    private void hand(ConsumerRecord<String, byte[]> record) throws AlarmTopicReader.BadRecord {
        finished(record, notifier.submit(AlarmTopicReader.parse(record, AlarmEvent.parser(), "AlarmEvent")));
    }

    /** Records when a record is done with: its offset can be committed once it and all before it are. */
    private void finished(ConsumerRecord<String, byte[]> record, CompletableFuture<Void> done) {
        pending.computeIfAbsent(new TopicPartition(record.topic(), record.partition()), p -> new TreeMap<>())
                .put(record.offset(), done);
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

    /** Stops consuming; commits what was finished. Close the notifier after this. */
    @Override
    public void close() {
        reader.close();
    }
}
