package io.tocsin.standalone.timeseries;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many telemetry records the time-series job has not yet committed in its Kafka consumer group, as the gauge
 * {@value #GAUGE}. On a saturated machine history is what waits (the job runs at a lower CPU priority,
 * {@link TimeSeriesProcess}): this is how an operator sees it wait, and catch up. The job commits its offsets at
 * each checkpoint, so the figure moves in steps of the checkpoint interval. -1 until the first look succeeded.
 */
public final class HistoryBacklog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HistoryBacklog.class);

    /** Gauge: telemetry records not yet committed by the time-series job. */
    public static final String GAUGE = "tocsin.timeseries.backlog.records";

    private static final long REFRESH_SECONDS = 10;
    private static final long TIMEOUT_SECONDS = 10;

    private final Admin admin;
    private final String topic;
    private final String groupId;
    private final AtomicLong backlog = new AtomicLong(-1);
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "timeseries-backlog");
        thread.setDaemon(true);
        return thread;
    });

    public HistoryBacklog(String bootstrap, String topic, String groupId, MeterRegistry meters) {
        Properties properties = new Properties();
        properties.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        properties.put(AdminClientConfig.CLIENT_ID_CONFIG, "tocsin-timeseries-backlog");
        this.admin = Admin.create(properties);
        this.topic = topic;
        this.groupId = groupId;
        Gauge.builder(GAUGE, backlog, AtomicLong::get)
                .description("Telemetry records the time-series job has not yet committed (-1: not known yet)")
                .baseUnit("records")
                .register(meters);
    }

    /** Looks every {@value #REFRESH_SECONDS} s from now on. */
    public HistoryBacklog start() {
        refresher.scheduleWithFixedDelay(() -> {
            try {
                refresh();
            } catch (Exception e) {
                log.debug("Time-series backlog not known: {}", e.toString());
            }
        }, 0, REFRESH_SECONDS, TimeUnit.SECONDS);
        return this;
    }

    /**
     * Looks once: the topic's end offsets minus the group's committed offsets (a partition without a committed
     * offset counts from its beginning), summed over the partitions.
     */
    long refresh() throws InterruptedException, ExecutionException, TimeoutException {
        List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames()
                .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(topic).partitions().stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                .partitionsToOffsetAndMetadata().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        Map<TopicPartition, ListOffsetsResultInfo> ends = offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, ListOffsetsResultInfo> beginnings = offsets(partitions, OffsetSpec.earliest());
        long sum = 0;
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata done = committed.get(partition);
            long from = done != null ? done.offset() : beginnings.get(partition).offset();
            sum += Math.max(0, ends.get(partition).offset() - from);
        }
        backlog.set(sum);
        return sum;
    }

    private Map<TopicPartition, ListOffsetsResultInfo> offsets(List<TopicPartition> partitions, OffsetSpec spec)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        partitions.forEach(partition -> request.put(partition, spec));
        return admin.listOffsets(request).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        admin.close();
    }

    @Override
    public String toString() {
        return "time-series backlog gauge";
    }
}
