package io.tocsin.jobs.kafka;

import io.tocsin.jobs.commands.CommandResult;
import io.tocsin.jobs.commands.CommandResultCodec;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** One record per command result: key = command id (UTF-8), value = {@code AlarmCommandResult}. */
final class CommandResultSerializer implements KafkaRecordSerializationSchema<CommandResult> {

    private static final long serialVersionUID = 1L;

    private final String topic;

    CommandResultSerializer(String topic) {
        this.topic = Objects.requireNonNull(topic, "topic");
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(CommandResult result, KafkaSinkContext context, Long timestamp) {
        byte[] key = result.commandId() == null ? null : result.commandId().getBytes(StandardCharsets.UTF_8);
        return new ProducerRecord<>(topic, null, null, key, CommandResultCodec.toProto(result).toByteArray());
    }
}
