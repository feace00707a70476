package io.tocsin.ingest.status;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tocsin.proto.v1.DeviceStatus;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Device status events on a Kafka topic, keyed {@code siteId/deviceId} (or the client id for clients that are not
 * registered devices) so that one device's events stay in order. {@code acks=all} and idempotence like telemetry;
 * a small {@code max.block.ms} because {@code send} runs on Netty's event loop.
 *
 * <p>Because a send may block only that briefly, the topic's metadata is fetched at start and kept through quiet
 * hours: otherwise the first status events after start (or after an idle spell) would fail on missing metadata,
 * and a gateway that drops then would never raise its "gateway offline" fault.
 */
public final class KafkaDeviceStatusWriter implements DeviceStatusWriter, AutoCloseable {

    public static final String WRITTEN = "tocsin.ingest.status.written";
    public static final String FAILED = "tocsin.ingest.status.failed";

    private static final Logger log = LoggerFactory.getLogger(KafkaDeviceStatusWriter.class);
    private static final Duration METADATA_WAIT = Duration.ofSeconds(30);

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final Counter written;
    private final Counter failed;

    public KafkaDeviceStatusWriter(String bootstrapServers, String topic, MeterRegistry meters) {
        Map<String, Object> properties = new HashMap<>();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        properties.put(ProducerConfig.CLIENT_ID_CONFIG, "tocsin-ingest-status");
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 100);
        properties.put(ProducerConfig.METADATA_MAX_IDLE_CONFIG, (int) Duration.ofDays(1).toMillis());
        this.producer = new KafkaProducer<>(properties);
        this.topic = topic;
        this.written = meters.counter(WRITTEN);
        this.failed = meters.counter(FAILED);
        warmUp(METADATA_WAIT);
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
        log.warn("Status topic {} not available within {}: device status events fail until it is", topic, timeout);
    }

    @Override
    public void write(DeviceStatus status) {
        String key = status.getSiteId().isEmpty() ? status.getClientId()
                : status.getSiteId() + "/" + status.getDeviceId();
        try {
            producer.send(new ProducerRecord<>(topic, key, status.toByteArray()), (metadata, failure) -> {
                if (failure == null) {
                    written.increment();
                } else {
                    failed.increment();
                    log.warn("Status event {} {} of {} not written: {}", status.getState(), status.getCause(), key,
                            failure.toString());
                }
            });
        } catch (RuntimeException e) {
            failed.increment();
            log.warn("Status event {} {} of {} not written: {}", status.getState(), status.getCause(), key,
                    e.toString());
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
