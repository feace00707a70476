package io.tocsin.standalone.jobs;

import io.tocsin.jobs.alarms.AlarmJob;
import io.tocsin.jobs.alarms.RuleFileText;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Benchmark harness (not a test): readings per second through the full alarm job (decode, event time, keyed
 * rules, zones, escalation, with a registry stream) against a passthrough job (Kafka source -> sink) reading the
 * same telemetry topic, in the same run, on the same MiniCluster settings. Each job reads the topic to its end
 * (bounded source) with a fresh consumer group; the figure is readings / job net runtime, so job start-up
 * (~1-2 s) is included in both. A third job, source -> decode -> sink, shows what decoding alone costs; the
 * ratio of the issue is alarm job / passthrough, both read the same topic with the same source and the same
 * discarding sink. Prints each round and the medians.
 *
 * <pre>
 * ./mvnw -B -q -o test-compile -pl standalone
 * java -cp standalone/target/test-classes:standalone/target/classes:$(cat cp.txt) \
 *   io.tocsin.standalone.jobs.AlarmJobThroughputBenchmark [batches=100000] [readingsPerBatch=10] [rounds=3] [hashmap|rocksdb]
 * </pre>
 */
public final class AlarmJobThroughputBenchmark {

    private AlarmJobThroughputBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int batches = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int perBatch = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        String backend = args.length > 3 ? args[3] : "hashmap";
        long readings = (long) batches * perBatch;
        Path dir = Files.createTempDirectory("tocsin-bench");
        try (EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(dir.resolve("kafka"), 0, 0).start()) {
            kafka.createTopics(Map.of("telemetry", 1));
            produce(kafka.bootstrapServers(), batches, perBatch);
            List<Double> passthrough = new ArrayList<>();
            List<Double> decoded = new ArrayList<>();
            List<Double> full = new ArrayList<>();
            // -Dbench.only=full runs the alarm job alone (for a profiler); the ratios then are not printed.
            boolean fullOnly = "full".equals(System.getProperty("bench.only"));
            for (int round = 1; round <= rounds; round++) {
                if (fullOnly) {
                    double f = readings / seconds(runAlarmJob(kafka.bootstrapServers(), "full-" + round, backend));
                    System.out.printf("round %d: alarm job %.0f readings/s%n", round, f);
                    continue;
                }
                double p = readings / seconds(runPassthrough(kafka.bootstrapServers(), "pass-" + round, backend));
                double d = readings / seconds(runDecodePassthrough(kafka.bootstrapServers(), "decode-" + round,
                        backend));
                double f = readings / seconds(runAlarmJob(kafka.bootstrapServers(), "full-" + round, backend));
                passthrough.add(p);
                decoded.add(d);
                full.add(f);
                System.out.printf("round %d: passthrough %.0f readings/s, decode passthrough %.0f readings/s, "
                        + "alarm job %.0f readings/s, ratio %.2f (to decode passthrough %.2f)%n",
                        round, p, d, f, f / p, f / d);
                if (System.getProperty("bench.stages") != null) {
                    double k = readings / seconds(runDecodeKeyBy(kafka.bootstrapServers(), "stage-" + round, backend));
                    System.out.printf("round %d: decode + keyBy only %.0f readings/s%n", round, k);
                }
            }
            if (fullOnly) {
                return;
            }
            double mp = median(passthrough);
            double md = median(decoded);
            double mf = median(full);
            System.out.printf("MEDIAN over %d rounds, %,d readings (%d per batch), %s state backend: passthrough "
                    + "%.0f readings/s, decode passthrough %.0f readings/s, alarm job %.0f readings/s, ratio %.2f "
                    + "(to decode passthrough %.2f)%n", rounds, readings, perBatch, backend, mp, md, mf, mf / mp,
                    mf / md);
        }
    }

    static void produce(String bootstrap, int batches, int perBatch) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        long t0 = 1_790_000_000_000L;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int b = 0; b < batches; b++) {
                // 10 sites x 10 gateways; each batch: perBatch gas detectors of one gateway, one second apart.
                int site = b % 10;
                int gateway = (b / 10) % 10;
                long t = t0 + (b / 100) * 1_000L;
                TelemetryBatch.Builder batch = TelemetryBatch.newBuilder().setSiteId("site-" + site)
                        .setDeviceId("gw-" + gateway).setSequence(b / 100);
                for (int s = 0; s < perBatch; s++) {
                    // Mostly clean air; every 50th second one detector of the gateway over the limit.
                    double value = (b / 100) % 50 == 0 && s == 0 ? 40 : 2 + (s % 5);
                    batch.addReadings(Reading.newBuilder().setSensorId("gas-" + gateway + "-" + s).setTimestampMs(t)
                            .setValue(value).setQuality(Quality.QUALITY_GOOD));
                }
                producer.send(new ProducerRecord<>("telemetry", batch.build().toByteArray()));
            }
            producer.flush();
        }
    }

    static KafkaSource<byte[]> bounded(String bootstrap, String group) {
        return KafkaSource.<byte[]>builder().setBootstrapServers(bootstrap).setTopics("telemetry").setGroupId(group)
                .setStartingOffsets(OffsetsInitializer.earliest()).setBounded(OffsetsInitializer.latest())
                .setDeserializer(KafkaRecordDeserializationSchema.valueOnly(ByteArrayDeserializer.class)).build();
    }

    static StreamExecutionEnvironment environment(String backend) {
        Configuration conf = AlarmJob.recommendedConfiguration(Duration.ofSeconds(10));
        conf.set(StateBackendOptions.STATE_BACKEND, backend);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        return env;
    }

    static long runPassthrough(String bootstrap, String group, String backend) throws Exception {
        StreamExecutionEnvironment env = environment(backend);
        env.fromSource(bounded(bootstrap, group), WatermarkStrategy.noWatermarks(), "Telemetry source",
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                .sinkTo(new Discard<>());
        return env.execute("passthrough").getNetRuntime();
    }

    /** Source -> decode -> sink: what the job must do at the least before any rule runs. */
    static long runDecodePassthrough(String bootstrap, String group, String backend) throws Exception {
        StreamExecutionEnvironment env = environment(backend);
        env.fromSource(bounded(bootstrap, group), WatermarkStrategy.noWatermarks(), "Telemetry source",
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                .flatMap(new io.tocsin.jobs.telemetry.DecodeTelemetryBatch())
                .sinkTo(new Discard<>());
        return env.execute("decode passthrough").getNetRuntime();
    }

    static long runAlarmJob(String bootstrap, String group, String backend) throws Exception {
        StreamExecutionEnvironment env = environment(backend);
        new AlarmJob(bounded(bootstrap, group), new Discard<RoutedAlarm>(), RULES).buildPipeline(env);
        return env.execute(AlarmJob.JOB_NAME).getNetRuntime();
    }

    /** Where the time goes: decoding and the keyed shuffle, without the rules. */
    private static long runDecodeKeyBy(String bootstrap, String group, String backend) throws Exception {
        StreamExecutionEnvironment env = environment(backend);
        env.fromSource(bounded(bootstrap, group), WatermarkStrategy.noWatermarks(), "Telemetry source",
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                .flatMap(new io.tocsin.jobs.telemetry.DecodeTelemetryBatch())
                .keyBy(r -> r.siteId() + "/" + r.sensorId(), org.apache.flink.api.common.typeinfo.Types.STRING)
                .map(r -> r.value(), org.apache.flink.api.common.typeinfo.Types.DOUBLE)
                .sinkTo(new Discard<>());
        return env.execute("decode and keyBy").getNetRuntime();
    }

    private static double seconds(long ms) {
        return ms / 1000.0;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    /** Two thresholds and silence detection per gas detector, as in the shipped rules. */
    static final RuleFileText RULES = new RuleFileText("bench-rules.yaml", """
            version: "bench-1"
            sensorTypes:
              gas:
                match: ["gas-*"]
                span: {min: 0, max: 100}
                rules:
                  - id: gas-high-1
                    kind: threshold-high
                    setPoint: 25
                    severity: ORANGE
                  - id: gas-high-2
                    kind: threshold-high
                    setPoint: 50
                    severity: RED
                  - id: gas-silent
                    kind: stale
                    after: 60s
                    severity: YELLOW
            """);

    static final class Discard<T> implements Sink<T> {
        @Override
        public SinkWriter<T> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(T element, Context c) {
                }

                @Override
                public void flush(boolean endOfInput) {
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
