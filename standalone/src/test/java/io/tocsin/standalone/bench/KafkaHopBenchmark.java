package io.tocsin.standalone.bench;

import io.tocsin.standalone.ScratchDirectory;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One Kafka produce → consume hop on the embedded broker, at a low rate, as the alarm path sees it:
 * producer acks=all with idempotence and {@code linger.ms} 0, consumer {@code fetch.min.bytes} 1.
 * Prints p50/p90/p99 of publish-to-poll latency (one JVM, so {@code System.nanoTime} is comparable).
 *
 * <p>Arguments: messages, messages per second, then any {@code producer.x=y} / {@code consumer.x=y}
 * overrides to compare settings in the same run.
 */
public final class KafkaHopBenchmark {

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        int perSecond = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        Properties producerExtra = new Properties();
        Properties consumerExtra = new Properties();
        for (String a : Arrays.asList(args).subList(Math.min(2, args.length), args.length)) {
            String[] kv = a.split("=", 2);
            if (kv[0].startsWith("producer.")) producerExtra.put(kv[0].substring(9), kv[1]);
            if (kv[0].startsWith("consumer.")) consumerExtra.put(kv[0].substring(9), kv[1]);
        }
        try (ScratchDirectory dir = ScratchDirectory.create("hop");
             EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dir.path(), 0, 0).start()) {
            broker.createTopics(Map.of("hop", 1));
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            p.putAll(producerExtra);
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            c.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
            c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            c.putAll(consumerExtra);
            long[] produceAck = new long[messages];
            long[] hop = new long[messages];
            AtomicBoolean done = new AtomicBoolean();
            try (KafkaProducer<byte[], byte[]> producer =
                         new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
                 KafkaConsumer<byte[], byte[]> consumer =
                         new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.assign(List.of(new org.apache.kafka.common.TopicPartition("hop", 0)));
                producer.send(new ProducerRecord<>("hop", new byte[8])).get(); // metadata, producer id
                Thread reader = new Thread(() -> {
                    int seen = -1;
                    while (!done.get()) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                            long now = System.nanoTime();
                            ByteBuffer b = ByteBuffer.wrap(r.value());
                            if (r.value().length == 12) {
                                int i = b.getInt();
                                hop[i] = now - b.getLong();
                                seen = i;
                            }
                        }
                        if (seen == messages - 1) done.set(true);
                    }
                }, "hop-reader");
                reader.start();
                long periodNs = 1_000_000_000L / perSecond;
                long next = System.nanoTime();
                for (int i = 0; i < messages; i++) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait); // not a spin: 2 cores only
                    }
                    next += periodNs;
                    long sent = System.nanoTime();
                    int index = i;
                    producer.send(new ProducerRecord<>("hop",
                                    ByteBuffer.allocate(12).putInt(i).putLong(sent).array()),
                            (m, e) -> produceAck[index] = System.nanoTime() - sent);
                }
                producer.flush();
                reader.join(30_000);
                done.set(true);
            }
            System.out.printf("producer %s consumer %s%n", producerExtra, consumerExtra);
            print("produce ack", produceAck);
            print("produce->consume", hop);
        }
    }

    private static void print(String what, long[] ns) {
        long[] s = ns.clone();
        Arrays.sort(s);
        long zero = Arrays.stream(s).filter(v -> v == 0).count();
        System.out.printf("%-18s p50 %6.2f ms  p90 %6.2f  p99 %6.2f  max %6.2f  missing %d%n", what,
                s[s.length / 2] / 1e6, s[s.length * 9 / 10] / 1e6, s[s.length * 99 / 100] / 1e6,
                s[s.length - 1] / 1e6, zero);
    }
}
