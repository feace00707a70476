package io.tocsin.jobs.kafka;

import io.tocsin.jobs.registry.RegistryEntry;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Registry records: key (UTF-8) and value bytes; a tombstone (no value) is passed on as a removal. */
final class RegistryRecordDeserializer implements KafkaRecordDeserializationSchema<RegistryEntry> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RegistryRecordDeserializer.class);

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RegistryEntry> out) {
        if (record.key() == null) {
            LOG.warn("Skipped a registry record without key at {}-{} offset {}", record.topic(), record.partition(),
                    record.offset());
            return;
        }
        out.collect(new RegistryEntry(new String(record.key(), StandardCharsets.UTF_8),
                record.value() == null ? new byte[0] : record.value()));
    }

    @Override
    public TypeInformation<RegistryEntry> getProducedType() {
        return TypeInformation.of(RegistryEntry.class);
    }
}
