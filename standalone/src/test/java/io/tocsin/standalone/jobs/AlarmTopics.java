package io.tocsin.standalone.jobs;

import io.tocsin.jobs.alarms.AlarmEventCodec;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.proto.v1.AlarmCommandRequest;
import io.tocsin.proto.v1.AlarmCommandResult;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The alarm job's topics as a gateway, a station console and the control room use them: plain Kafka clients. */
final class AlarmTopics implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> alarms;
    private final KafkaConsumer<String, byte[]> results;
    private final List<RoutedAlarm> seenAlarms = new ArrayList<>();
    private final List<AlarmCommandResult> seenResults = new ArrayList<>();
    private long sequence;

    AlarmTopics(String bootstrapServers, String alarmsTopic, String resultsTopic) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        alarms = consumer(bootstrapServers, alarmsTopic);
        results = resultsTopic == null ? null : consumer(bootstrapServers, resultsTopic);
    }

    private static KafkaConsumer<String, byte[]> consumer(String bootstrapServers, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
        c.assign(partitions);
        c.seekToBeginning(partitions);
        return c;
    }

    /** One batch of GOOD readings of one gateway, all at time {@code t}; sensors and values alternate. */
    void readings(String topic, String site, long t, Object... sensorsAndValues) throws Exception {
        TelemetryBatch.Builder b = TelemetryBatch.newBuilder().setSiteId(site).setDeviceId("gw-1")
                .setSequence(++sequence);
        for (int i = 0; i < sensorsAndValues.length; i += 2) {
            b.addReadings(Reading.newBuilder().setSensorId((String) sensorsAndValues[i]).setTimestampMs(t)
                    .setValue(((Number) sensorsAndValues[i + 1]).doubleValue()).setQuality(Quality.QUALITY_GOOD));
        }
        producer.send(new ProducerRecord<>(topic, site + "/gw-1", b.build().toByteArray())).get();
    }

    void command(String topic, AlarmCommandRequest command) throws Exception {
        producer.send(new ProducerRecord<>(topic, command.getSiteId() + "/" + command.getSensorId(),
                command.toByteArray())).get();
    }

    /** Every alarm event published so far, after one more poll. */
    List<RoutedAlarm> alarms() throws Exception {
        for (ConsumerRecord<String, byte[]> r : alarms.poll(Duration.ofMillis(200))) {
            seenAlarms.add(AlarmEventCodec.routedFromProto(AlarmEvent.parseFrom(r.value())));
        }
        return List.copyOf(seenAlarms);
    }

    List<AlarmCommandResult> results() throws Exception {
        for (ConsumerRecord<String, byte[]> r : results.poll(Duration.ofMillis(200))) {
            seenResults.add(AlarmCommandResult.parseFrom(r.value()));
        }
        return List.copyOf(seenResults);
    }

    @Override
    public void close() {
        producer.close();
        alarms.close();
        if (results != null) {
            results.close();
        }
    }
}
