package io.tocsin.jobs.kafka;

import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes each telemetry (or command) record's value on as raw bytes (decoding happens in the job, where a bad record is
 * counted and dropped) and skips records without a value.
 *
 * <p>Not the connector's {@code valueOnly(ByteArrayDeserializer.class)}: that emits {@code null} for a
 * tombstone, and a null record fails the task. The record would then be re-read after every restart: one
 * stray tombstone on the topic would stop all alarms.
 */
final class TelemetryValueDeserializer implements KafkaRecordDeserializationSchema<byte[]> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryValueDeserializer.class);

    /** Counter (in the source's "deserializer" group): telemetry records without a value. */
    static final String RECORDS_WITHOUT_VALUE = "telemetryRecordsWithoutValue";

    private final String kind;
    private transient Counter recordsWithoutValue;

    TelemetryValueDeserializer() {
        this("telemetry");
    }

    /** @param kind what the topic holds ("telemetry", "command"): names the counter and the log line */
    TelemetryValueDeserializer(String kind) {
        this.kind = kind;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        recordsWithoutValue = context.getMetricGroup().counter(kind + "RecordsWithoutValue");
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<byte[]> out) {
        byte[] value = record.value();
        if (value == null) {
            if (recordsWithoutValue != null) {
                recordsWithoutValue.inc();
            }
            LOG.warn("Skipped a {} record without value at {}-{} offset {}", kind, record.topic(),
                    record.partition(), record.offset());
            return;
        }
        out.collect(value);
    }

    @Override
    public TypeInformation<byte[]> getProducedType() {
        return PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;
    }
}
