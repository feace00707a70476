package io.tocsin.ingest.status;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tocsin.ingest.alarms.AlarmTopicReader;
import io.tocsin.proto.v1.ConnectionState;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.StatusCause;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * After this ingest node crashed (kill -9, power loss), the gateways it had connected are still ONLINE in the
 * status topic: nobody wrote their OFFLINE, so a gateway that did not come back (its site lost power or its uplink
 * in the same incident) would never raise a "gateway offline" fault. At start, this reads the status topic, finds
 * the devices whose latest event is ONLINE on this server (its server id is stable across restarts: host name and
 * node name), waits {@code grace} for them to reconnect (here or to another node behind the balancer), and writes
 * OFFLINE ({@code STATUS_CAUSE_SERVER_RESTARTED}) for every one that did not: no newer status event and not
 * connected here. After a clean stop there is nothing to do (the node wrote every OFFLINE as it closed). A node that
 * never comes back writes nothing: for that, the alarm job's stale-sensor rules remain the safety net.
 *
 * <p>Best effort, on a thread of its own: a failure (Kafka away) is logged and the check is not repeated.
 */
public final class GatewaysLostInACrash implements AutoCloseable {

    /** Counter: OFFLINE events written for gateways a crash of this node had left ONLINE. */
    public static final String WRITTEN = "tocsin.ingest.status.offline_after_crash";

    /**
     * How long gateways get to come back before they are written OFFLINE: longer than an edge agent's longest
     * reconnect back-off, so that a gateway on its way back is not faulted for nothing.
     */
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(60);

    private static final Logger log = LoggerFactory.getLogger(GatewaysLostInACrash.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final Supplier<Consumer<String, byte[]>> consumers;
    private final String topic;
    private final String serverId;
    private final Duration grace;
    private final Predicate<String> connectedHere;
    private final DeviceStatusWriter writer;
    private final Counter written;
    private final Thread thread;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile Consumer<String, byte[]> consumer;
    private volatile boolean closing;

    /**
     * @param serverId      this node's id in status events (as given to {@code IngestServer.Builder.serverId})
     * @param connectedHere whether a client id is connected to this node now
     */
    public GatewaysLostInACrash(Supplier<Consumer<String, byte[]>> consumers, String topic, String serverId,
                                Duration grace, Predicate<String> connectedHere, DeviceStatusWriter writer,
                                MeterRegistry meters) {
        this.consumers = Objects.requireNonNull(consumers, "consumers");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.serverId = Objects.requireNonNull(serverId, "serverId");
        this.grace = Objects.requireNonNull(grace, "grace");
        this.connectedHere = Objects.requireNonNull(connectedHere, "connectedHere");
        this.writer = Objects.requireNonNull(writer, "writer");
        this.written = meters.counter(WRITTEN);
        this.thread = new Thread(this::run, "tocsin-ingest-status-after-crash");
        this.thread.setDaemon(true);
    }

    /** On the status topic of a Kafka cluster (a consumer without group: it commits nothing). */
    public static GatewaysLostInACrash onKafka(String bootstrapServers, String topic, String serverId, Duration grace,
                                               Predicate<String> connectedHere, DeviceStatusWriter writer,
                                               MeterRegistry meters) {
        return new GatewaysLostInACrash(() -> new KafkaConsumer<>(AlarmTopicReader.consumerProperties(
                bootstrapServers, "tocsin-ingest-status-after-crash", null, false, Map.of())), topic, serverId,
                grace, connectedHere, writer, meters);
    }

    public GatewaysLostInACrash start() {
        thread.start();
        return this;
    }

    private void run() {
        try (Consumer<String, byte[]> kafka = consumers.get()) {
            consumer = kafka;
            if (closing) {
                return;
            }
            List<TopicPartition> partitions = AlarmTopicReader.partitions(kafka, topic);
            kafka.assign(partitions);
            kafka.seekToBeginning(partitions);
            Map<String, DeviceStatus> latest = new HashMap<>();
            readUpTo(kafka, kafka.endOffsets(partitions), record -> latest.put(record.key(), parse(record)));
            Map<String, DeviceStatus> left = new HashMap<>();
            latest.forEach((key, status) -> {
                if (status != null && status.getState() == ConnectionState.CONNECTION_STATE_ONLINE
                        && serverId.equals(status.getServerId()) && !status.getSiteId().isEmpty()
                        && "mqtt".equals(status.getTransport())) {
                    left.put(key, status);
                }
            });
            if (left.isEmpty()) {
                log.info("No gateway left ONLINE on {} by an earlier run of this node", serverId);
                return;
            }
            log.warn("{} gateways were ONLINE on {} when this node last stopped without closing their connections "
                    + "(a crash?): OFFLINE in {} for those that do not come back", left.size(), serverId, grace);
            if (closed.await(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
            // Any newer event (back here, on another node, or gone OFFLINE properly) settles it.
            readUpTo(kafka, kafka.endOffsets(partitions), record -> left.remove(record.key()));
            long now = System.currentTimeMillis();
            for (DeviceStatus status : left.values()) {
                if (connectedHere.test(status.getClientId())) {
                    continue;
                }
                writer.write(DeviceStatus.newBuilder()
                        .setClientId(status.getClientId())
                        .setSiteId(status.getSiteId())
                        .setDeviceId(status.getDeviceId())
                        .setState(ConnectionState.CONNECTION_STATE_OFFLINE)
                        .setCause(StatusCause.STATUS_CAUSE_SERVER_RESTARTED)
                        .setEventTimeMs(now)
                        .setTransport("mqtt")
                        .setServerId(serverId)
                        .build());
                written.increment();
                log.warn("Gateway {} ({}/{}) did not come back after this node's restart: OFFLINE written",
                        status.getClientId(), status.getSiteId(), status.getDeviceId());
            }
        } catch (WakeupException e) {
            // close()
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("Could not check for gateways a crash of this node left ONLINE (they stay so)", e);
        } finally {
            consumer = null;
        }
    }

    /** Every keyed record up to the offsets, and those a poll brings past them (newer events only settle more). */
    private void readUpTo(Consumer<String, byte[]> kafka, Map<TopicPartition, Long> ends,
                          java.util.function.Consumer<ConsumerRecord<String, byte[]>> each) {
        AlarmTopicReader.readUpTo(kafka, ends, POLL, () -> closing, polled -> {
            for (ConsumerRecord<String, byte[]> record : polled) {
                if (record.key() != null) {
                    each.accept(record);
                }
            }
        });
    }

    private static DeviceStatus parse(ConsumerRecord<String, byte[]> record) {
        try {
            return AlarmTopicReader.parse(record, DeviceStatus.parser(), "DeviceStatus");
        } catch (AlarmTopicReader.BadRecord e) {
            return null; // counted by the alarm job, which reads the same topic
        }
    }

    /** Stops the check (waking its consumer) and waits for the thread. */
    @Override
    public void close() {
        closing = true;
        closed.countDown();
        Consumer<String, byte[]> kafka = consumer;
        if (kafka != null) {
            kafka.wakeup();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
