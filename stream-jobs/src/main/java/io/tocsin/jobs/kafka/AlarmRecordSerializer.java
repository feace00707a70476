package io.tocsin.jobs.kafka;

import io.tocsin.jobs.alarms.AlarmEventCodec;
import io.tocsin.jobs.routing.RoutedAlarm;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One Kafka record per alarm transition (and per escalation): key = site id (UTF-8), value = the {@code AlarmEvent} protobuf.
 *
 * <p>Keying by site sends all of a site's alarms to one partition, so a station consuming it sees every
 * alarm's transitions in the order they were decided. The record timestamp is left to the producer (the time
 * the alarm was published); the event times travel in the payload.
 */
final class AlarmRecordSerializer implements KafkaRecordSerializationSchema<RoutedAlarm> {

    private static final long serialVersionUID = 1L;

    private final String topic;

    AlarmRecordSerializer(String topic) {
        this.topic = Objects.requireNonNull(topic, "topic");
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(RoutedAlarm alarm, KafkaSinkContext context,
            Long timestamp) {
        return new ProducerRecord<>(topic, null, null,
                alarm.transition().siteId().getBytes(StandardCharsets.UTF_8), AlarmEventCodec.toBytes(alarm));
    }
}
