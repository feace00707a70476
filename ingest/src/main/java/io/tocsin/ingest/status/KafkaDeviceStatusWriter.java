package io.tocsin.ingest.status;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tocsin.proto.v1.DeviceStatus;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Device status events on a Kafka topic, keyed {@code siteId/deviceId} (or the client id for clients that are not
 * registered devices) so that one device's events stay in order. {@code acks=all} and idempotence like telemetry.
 *
 * <p>{@link #write} only queues the event (it is called on Netty's event loop); one sender thread sends the queue in
 * order, waits for Kafka's acknowledgements and retries what failed with a retriable error (for instance while the
 * producer re-learns the metadata of a restarted broker): back at the head of the queue, so each device's events
 * still arrive in order, after a back-off of {@value #FIRST_BACKOFF_MS} ms doubling to {@value #MAX_BACKOFF_MS} ms.
 * A gateway that drops while Kafka restarts so still raises its "gateway offline" fault.
 *
 * <p>The queue is bounded ({@code maxPending}, default {@value #DEFAULT_MAX_PENDING}): past it the oldest event is
 * dropped, counted ({@value #DROPPED}, reason {@code queue_full}) and logged. Retries count in {@value #RETRIED};
 * events given up on because of a non-retriable error in {@value #FAILED}. If a device's later event was written
 * while an earlier one failed (Kafka normally fails the later ones of a partition too), the earlier one is not
 * resent: it would arrive after its successor ({@value #DROPPED}, reason {@code superseded}).
 *
 * <p>The topic's metadata is fetched at start and kept through quiet hours, so that the first events after start
 * (or after an idle spell) need not wait for it.
 */
public final class KafkaDeviceStatusWriter implements DeviceStatusWriter, AutoCloseable {

    public static final String WRITTEN = "tocsin.ingest.status.written";
    public static final String FAILED = "tocsin.ingest.status.failed";
    /** Events sent again after a retriable failure (one per event and attempt). */
    public static final String RETRIED = "tocsin.ingest.status.retried";
    /** Events not written: tag {@code reason} queue_full (the bound) or superseded. */
    public static final String DROPPED = "tocsin.ingest.status.dropped";
    public static final String PENDING = "tocsin.ingest.status.pending";
    public static final int DEFAULT_MAX_PENDING = 10_000;

    private static final Logger log = LoggerFactory.getLogger(KafkaDeviceStatusWriter.class);
    private static final Duration METADATA_WAIT = Duration.ofSeconds(30);
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 5_000;
    /** Events sent before waiting for their acknowledgements; a reconnect storm is sent in windows this size. */
    private static final int WINDOW = 1_000;
    private static final Duration CLOSE_DRAIN = Duration.ofSeconds(5);

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final int maxPending;
    private final Counter written;
    private final Counter failed;
    private final Counter retried;
    private final Counter droppedFull;
    private final Counter droppedSuperseded;
    /** Events not yet written, oldest first. Guarded by itself. */
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    /** Events taken from the queue and not yet acknowledged or put back. Guarded by {@code pending}. */
    private int sending;
    private final Thread sender;
    private volatile boolean closing;

    private record Pending(String key, DeviceStatus status) {
    }

    public KafkaDeviceStatusWriter(String bootstrapServers, String topic, MeterRegistry meters) {
        this(bootstrapServers, topic, DEFAULT_MAX_PENDING, Map.of(), meters);
    }

    /**
     * @param maxPending        events kept while Kafka does not take them; past it the oldest is dropped
     * @param producerOverrides producer settings that replace the defaults (tests shorten delivery.timeout.ms)
     */
    public KafkaDeviceStatusWriter(String bootstrapServers, String topic, int maxPending,
                                   Map<String, Object> producerOverrides, MeterRegistry meters) {
        if (maxPending < 1) {
            throw new IllegalArgumentException("maxPending must be at least 1, was " + maxPending);
        }
        Map<String, Object> properties = new HashMap<>();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.CLIENT_ID_CONFIG, "tocsin-ingest-status");
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        // Only the sender thread blocks on metadata; a failed wait is retried like any retriable failure.
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
        properties.put(ProducerConfig.METADATA_MAX_IDLE_CONFIG, (int) Duration.ofDays(1).toMillis());
        properties.putAll(producerOverrides);
        this.producer = new KafkaProducer<>(properties);
        this.topic = topic;
        this.maxPending = maxPending;
        this.written = meters.counter(WRITTEN);
        this.failed = meters.counter(FAILED);
        this.retried = meters.counter(RETRIED);
        this.droppedFull = meters.counter(DROPPED, "reason", "queue_full");
        this.droppedSuperseded = meters.counter(DROPPED, "reason", "superseded");
        Gauge.builder(PENDING, this, KafkaDeviceStatusWriter::pendingCount)
                .description("Device status events waiting to be written to Kafka").register(meters);
        warmUp(METADATA_WAIT);
        this.sender = new Thread(this::sendLoop, "tocsin-status-writer");
        sender.setDaemon(true);
        sender.start();
    }

    /**
     * Fetches the topic's partitions, retrying until the deadline. Status events are not worth failing the server's
     * start for (telemetry is, and its writer does): when the topic stays unavailable this only warns.
     */
    private void warmUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            try {
                int partitions = producer.partitionsFor(topic).size();
                log.info("Status events go to topic {} ({} partitions)", topic, partitions);
                return;
            } catch (RetriableException e) {
                log.debug("Metadata of status topic {} not available yet: {}", topic, e.toString());
            }
        } while (System.nanoTime() < deadline);
        log.warn("Status topic {} not available within {}: device status events wait (at most {}) until it is",
                topic, timeout, maxPending);
    }

    /** Queues the event; never blocks. */
    @Override
    public void write(DeviceStatus status) {
        String key = status.getSiteId().isEmpty() ? status.getClientId()
                : status.getSiteId() + "/" + status.getDeviceId();
        synchronized (pending) {
            if (pending.size() >= maxPending) {
                dropOldest();
            }
            pending.addLast(new Pending(key, status));
            pending.notifyAll();
        }
    }

    /** Events queued or being sent, not written yet. */
    public int pendingCount() {
        synchronized (pending) {
            return pending.size() + sending;
        }
    }

    private void dropOldest() {
        Pending oldest = pending.pollFirst();
        droppedFull.increment();
        log.warn("Status event {} {} of {} dropped: {} events wait for Kafka (the bound)",
                oldest.status().getState(), oldest.status().getCause(), oldest.key(), maxPending);
    }

    private void sendLoop() {
        long backoffMs = FIRST_BACKOFF_MS;
        while (true) {
            List<Pending> window = nextWindow();
            if (window.isEmpty()) {
                return; // closing and nothing left
            }
            List<Pending> retry = send(window);
            if (retry.isEmpty()) {
                synchronized (pending) {
                    sending = 0;
                }
                backoffMs = FIRST_BACKOFF_MS;
                continue;
            }
            synchronized (pending) {
                sending = 0;
                for (int i = retry.size() - 1; i >= 0; i--) {
                    pending.addFirst(retry.get(i));
                }
                while (pending.size() > maxPending) {
                    dropOldest();
                }
                retried.increment(retry.size());
                if (closing) {
                    log.warn("{} status events not written at shutdown: Kafka did not take them", pending.size());
                    return;
                }
                try {
                    pending.wait(backoffMs); // a back-off, cut short only by close()
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        }
    }

    /** Up to {@link #WINDOW} events from the head of the queue, waiting for one; empty once closing and drained. */
    private List<Pending> nextWindow() {
        synchronized (pending) {
            while (pending.isEmpty()) {
                if (closing) {
                    return List.of();
                }
                try {
                    pending.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return List.of();
                }
            }
            List<Pending> window = new ArrayList<>(Math.min(WINDOW, pending.size()));
            while (!pending.isEmpty() && window.size() < WINDOW) {
                window.add(pending.pollFirst());
            }
            sending = window.size();
            return window;
        }
    }

    /** Sends the events in order and waits for Kafka; returns those to send again, in order. */
    private List<Pending> send(List<Pending> window) {
        List<Future<RecordMetadata>> sent = new ArrayList<>(window.size());
        for (Pending event : window) {
            Future<RecordMetadata> future;
            try {
                future = producer.send(new ProducerRecord<>(topic, event.key(), event.status().toByteArray()));
            } catch (RuntimeException e) {
                future = CompletableFuture.failedFuture(e);
            }
            sent.add(future);
            if (future.isDone() && failedAlready(future)) {
                // Refused at once (typically no metadata yet after a broker restart): the rest of the window would
                // only overtake this event, which is sent again first.
                break;
            }
        }
        Throwable[] failures = new Throwable[window.size()];
        boolean anyFailed = sent.size() < window.size();
        for (int i = sent.size(); i < window.size(); i++) {
            failures[i] = new NotSentYet();
        }
        for (int i = 0; i < sent.size(); i++) {
            try {
                sent.get(i).get();
                written.increment();
            } catch (ExecutionException e) {
                failures[i] = e.getCause();
                anyFailed = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures[i] = e;
                anyFailed = true;
            }
        }
        if (!anyFailed) {
            return List.of();
        }
        // Walk back from the newest: a failed event whose device has a later event written is superseded.
        Set<String> writtenLater = new HashSet<>();
        List<Pending> retry = new ArrayList<>();
        Throwable reason = null;
        for (int i = window.size() - 1; i >= 0; i--) {
            Pending event = window.get(i);
            Throwable failure = failures[i];
            if (failure == null) {
                writtenLater.add(event.key());
            } else if (writtenLater.contains(event.key())) {
                droppedSuperseded.increment();
                log.warn("Status event {} {} of {} not written ({}) and not resent: a later event of that device "
                        + "was written", event.status().getState(), event.status().getCause(), event.key(), failure);
            } else if (failure instanceof NotSentYet) {
                retry.add(0, event);
            } else if (failure instanceof RetriableException || failure instanceof InterruptedException) {
                retry.add(0, event);
                reason = failure;
            } else {
                failed.increment();
                log.warn("Status event {} {} of {} not written: {}", event.status().getState(),
                        event.status().getCause(), event.key(), failure.toString());
            }
        }
        if (!retry.isEmpty()) {
            log.warn("{} status events not written yet ({}): retrying in order", retry.size(), reason);
        }
        return retry;
    }

    private static boolean failedAlready(Future<RecordMetadata> future) {
        try {
            future.get();
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Not sent because an earlier event of its window failed at once: it is sent again after that one. */
    private static final class NotSentYet extends Exception {
        NotSentYet() {
            super("not sent yet", null, false, false);
        }
    }

    /** Writes what is queued (for up to a few seconds while Kafka takes it), then closes the producer. */
    @Override
    public void close() {
        closing = true;
        synchronized (pending) {
            pending.notifyAll();
        }
        try {
            sender.join(CLOSE_DRAIN.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(10));
        sender.interrupt();
        int left = pendingCount();
        if (left > 0) {
            log.warn("{} status events not written: the writer closed before Kafka took them", left);
        }
    }
}
