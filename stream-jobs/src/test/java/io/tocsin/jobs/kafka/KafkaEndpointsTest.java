package io.tocsin.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.jobs.alarms.AlarmEventCodec;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.Severity;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.connector.kafka.lineage.KafkaDatasetFacet;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class KafkaEndpointsTest {

    private static final AlarmTransition ALARM = new AlarmTransition("park-7/gas-03/gas-high/2", "park-7", "gw-1",
            "gas-03", "gas-high", Severity.RED, AlarmState.ACTIVE_UNACKNOWLEDGED, 31, 25, 3_000, 3_000, 2);

    @Test
    void anAlarmIsKeyedBySiteAndCarriesTheAlarmEventBytes() throws Exception {
        ProducerRecord<byte[], byte[]> record =
                new AlarmRecordSerializer("alarms").serialize(
                        new io.tocsin.jobs.routing.RoutedAlarm(ALARM, java.util.List.of("station-7"), 0, ""), null, 123L);

        assertThat(record.topic()).isEqualTo("alarms");
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("park-7");
        assertThat(AlarmEventCodec.fromBytes(record.value())).isEqualTo(ALARM);
        assertThat(io.tocsin.proto.v1.AlarmEvent.parseFrom(record.value()).getStationIdsList())
                .containsExactly("station-7");
        // The producer's partitioner picks the partition from the key; the producer stamps the send time.
        assertThat(record.partition()).isNull();
        assertThat(record.timestamp()).isNull();
    }

    @Test
    void telemetryValuesPassAsTheyAreAndRecordsWithoutValueAreSkippedAndCounted() throws Exception {
        InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
        TelemetryValueDeserializer deserializer = new TelemetryValueDeserializer();
        deserializer.open(new DeserializationSchema.InitializationContext() {
            @Override
            public MetricGroup getMetricGroup() {
                return metrics;
            }

            @Override
            public UserCodeClassLoader getUserCodeClassLoader() {
                return SimpleUserCodeClassLoader.create(getClass().getClassLoader());
            }
        });
        List<byte[]> out = new ArrayList<>();
        byte[] value = {1, 2, 3};

        deserializer.deserialize(new ConsumerRecord<>("telemetry", 0, 41, null, value), new ListCollector<>(out));
        deserializer.deserialize(new ConsumerRecord<>("telemetry", 0, 42, "k".getBytes(StandardCharsets.UTF_8), null),
                new ListCollector<>(out));

        assertThat(out).containsExactly(value);
        assertThat(((Counter) metrics.get(TelemetryValueDeserializer.RECORDS_WITHOUT_VALUE)).getCount()).isEqualTo(1);
        assertThat(deserializer.getProducedType()).isEqualTo(PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    @Test
    void producerDefaultsFavourLatencyAndOrderAndCanBeOverridden() {
        Properties defaults = KafkaEndpoints.producerProperties(new Properties());
        Properties extra = new Properties();
        extra.setProperty("linger.ms", "1");
        extra.setProperty("security.protocol", "SSL");
        Properties overridden = KafkaEndpoints.producerProperties(extra);

        assertThat(defaults).containsEntry("linger.ms", "0").containsEntry("acks", "all")
                .containsEntry("enable.idempotence", "true");
        assertThat(overridden).containsEntry("linger.ms", "1").containsEntry("security.protocol", "SSL")
                .containsEntry("acks", "all");
    }

    @Test
    void theTelemetrySourceIsUnboundedAndProducesBytes() {
        KafkaSource<byte[]> source = KafkaEndpoints.telemetrySource("localhost:9092", "telemetry", "group-1");

        assertThat(source.getBoundedness()).isEqualTo(Boundedness.CONTINUOUS_UNBOUNDED);
        assertThat(source.getProducedType()).isEqualTo(PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    @Test
    void eachSourceReadsInItsOwnGroupAndKeepsTheExtraPropertiesButNotTheirGroupOrServers() {
        Properties extra = new Properties();
        extra.setProperty("security.protocol", "SSL");
        extra.setProperty("group.id", "not-this-group");
        extra.setProperty("bootstrap.servers", "not-this-broker:9092");

        assertThat(consumerProperties(KafkaEndpoints.telemetrySource("kafka:9092", "telemetry", "job", extra)))
                .containsEntry("group.id", "job").containsEntry("client.id.prefix", "job")
                .containsEntry("bootstrap.servers", "kafka:9092").containsEntry("security.protocol", "SSL");
        assertThat(consumerProperties(KafkaEndpoints.commandSource("kafka:9092", "commands", "job", extra)))
                .containsEntry("group.id", "job-commands").containsEntry("client.id.prefix", "job-commands")
                .containsEntry("bootstrap.servers", "kafka:9092").containsEntry("security.protocol", "SSL");
        assertThat(consumerProperties(KafkaEndpoints.statusSource("kafka:9092", "status", "job", extra)))
                .containsEntry("group.id", "job-status").containsEntry("client.id.prefix", "job-status")
                .containsEntry("bootstrap.servers", "kafka:9092").containsEntry("security.protocol", "SSL");
        assertThat(consumerProperties(KafkaEndpoints.registrySource("kafka:9092", "registry", "job")))
                .containsEntry("group.id", "job-registry").containsEntry("client.id.prefix", "job-registry")
                .containsEntry("bootstrap.servers", "kafka:9092").doesNotContainKey("security.protocol");
        assertThat(consumerProperties(KafkaEndpoints.alarmEventSource("kafka:9092", "alarms", "job")))
                .containsEntry("group.id", "job-alarms").containsEntry("client.id.prefix", "job-alarms")
                .containsEntry("bootstrap.servers", "kafka:9092").doesNotContainKey("security.protocol");
    }

    /** The consumer properties a source was built with, as its lineage reports them. */
    private static Properties consumerProperties(KafkaSource<?> source) {
        return source.getLineageVertex().datasets().stream()
                .flatMap(dataset -> dataset.facets().values().stream())
                .filter(KafkaDatasetFacet.class::isInstance)
                .map(facet -> ((KafkaDatasetFacet) facet).getProperties())
                .findFirst().orElseThrow();
    }
}
