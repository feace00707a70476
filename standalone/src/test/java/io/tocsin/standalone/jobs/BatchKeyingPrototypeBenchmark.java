package io.tocsin.standalone.jobs;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.RuleOutcome;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.config.RuleSet;
import io.tocsin.rules.engine.SensorAlarmEngine;
import io.tocsin.rules.engine.SensorAlarmState;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Benchmark of a design option for issue 6, NOT the alarm job: would the job reach the passthrough's rate if the
 * keyed exchange carried a gateway's batch, keyed by site, instead of one record per reading? The prototype keys
 * the raw batch by its site (read from the first protobuf field, without decoding the rest), decodes it in the
 * keyed operator and runs the same alarm-rules engine per reading with each sensor's state in a {@link MapState}
 * of the site. It leaves out what the job does besides (timers, zones, routing, commands, registry), so it is an
 * upper bound for the approach. Same topic, same settings, same run as {@link AlarmJobThroughputBenchmark}'s
 * jobs: raw passthrough, decode passthrough, the alarm job, the prototype.
 *
 * <pre>
 * java -cp standalone/target/test-classes:standalone/target/classes:$(cat cp.txt) \
 *   io.tocsin.standalone.jobs.BatchKeyingPrototypeBenchmark [batches=300000] [readingsPerBatch=10] [rounds=3]
 * </pre>
 */
public final class BatchKeyingPrototypeBenchmark {

    private BatchKeyingPrototypeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int batches = args.length > 0 ? Integer.parseInt(args[0]) : 300_000;
        int perBatch = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        long readings = (long) batches * perBatch;
        Path dir = Files.createTempDirectory("tocsin-bench");
        try (EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(dir.resolve("kafka"), 0, 0).start()) {
            kafka.createTopics(Map.of("telemetry", 1));
            AlarmJobThroughputBenchmark.produce(kafka.bootstrapServers(), batches, perBatch);
            List<double[]> results = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                String bootstrap = kafka.bootstrapServers();
                double pass = readings / seconds(AlarmJobThroughputBenchmark.runPassthrough(bootstrap, "pass-" + round,
                        "hashmap"));
                double decode = readings / seconds(AlarmJobThroughputBenchmark.runDecodePassthrough(bootstrap,
                        "decode-" + round, "hashmap"));
                double job = readings / seconds(AlarmJobThroughputBenchmark.runAlarmJob(bootstrap, "full-" + round,
                        "hashmap"));
                double batched = readings / seconds(runPrototype(bootstrap, "batched-" + round));
                results.add(new double[] {pass, decode, job, batched});
                System.out.printf("round %d: passthrough %.0f, decode passthrough %.0f, alarm job %.0f, batch-keyed "
                        + "prototype %.0f readings/s; prototype / passthrough %.2f, / decode passthrough %.2f, "
                        + "/ alarm job %.2f%n", round, pass, decode, job, batched, batched / pass, batched / decode,
                        batched / job);
            }
            double[] median = new double[4];
            for (int i = 0; i < 4; i++) {
                int column = i;
                median[i] = results.stream().mapToDouble(r -> r[column]).sorted().toArray()[results.size() / 2];
            }
            System.out.printf("MEDIAN over %d rounds, %,d readings: passthrough %.0f, decode passthrough %.0f, alarm "
                    + "job %.0f, batch-keyed prototype %.0f readings/s; prototype / passthrough %.2f, / decode "
                    + "passthrough %.2f, / alarm job %.2f%n", rounds, readings, median[0], median[1], median[2],
                    median[3], median[3] / median[0], median[3] / median[1], median[3] / median[2]);
        }
    }

    private static long runPrototype(String bootstrap, String group) throws Exception {
        StreamExecutionEnvironment env = AlarmJobThroughputBenchmark.environment("hashmap");
        env.fromSource(AlarmJobThroughputBenchmark.bounded(bootstrap, group), WatermarkStrategy.noWatermarks(),
                        "Telemetry source", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                .keyBy(BatchKeyingPrototypeBenchmark::siteOf, Types.STRING)
                .process(new EvaluateSiteBatch(), Types.INT)
                .sinkTo(new AlarmJobThroughputBenchmark.Discard<>());
        return env.execute("batch-keyed prototype").getNetRuntime();
    }

    /** The batch's site_id (field 1, written first), without decoding the readings. */
    static String siteOf(byte[] batch) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(batch);
        int tag = in.readTag();
        if (WireFormat.getTagFieldNumber(tag) == TelemetryBatch.SITE_ID_FIELD_NUMBER) {
            return in.readStringRequireUtf8();
        }
        return TelemetryBatch.parseFrom(batch).getSiteId();
    }

    /** Per site: decode the batch, the engine per reading, each sensor's state in the site's map state. */
    static final class EvaluateSiteBatch extends KeyedProcessFunction<String, byte[], Integer> {

        private transient MapState<String, SensorAlarmState> states;
        private transient RuleSet rules;
        private transient Map<String, Map<String, SensorAlarmEngine>> engines;

        @Override
        public void open(OpenContext openContext) {
            states = getRuntimeContext().getMapState(new MapStateDescriptor<>("sensor-states", Types.STRING,
                    TypeInformation.of(SensorAlarmState.class)));
            rules = AlarmJobThroughputBenchmark.RULES.load();
            engines = new HashMap<>();
        }

        @Override
        public void processElement(byte[] bytes, Context ctx, Collector<Integer> out) throws Exception {
            TelemetryBatch batch = TelemetryBatch.parseFrom(bytes);
            String site = batch.getSiteId();
            Map<String, SensorAlarmEngine> siteEngines = engines.computeIfAbsent(site, s -> new HashMap<>());
            int transitions = 0;
            for (Reading reading : batch.getReadingsList()) {
                String sensor = reading.getSensorId();
                SensorAlarmEngine engine = siteEngines.computeIfAbsent(sensor, s -> rules.engineFor(site, s));
                if (engine.isEmpty()) {
                    continue;
                }
                SensorReading r = new SensorReading(site, batch.getDeviceId(), sensor, reading.getTimestampMs(),
                        reading.getValue(), ReadingQuality.GOOD);
                SensorAlarmState current = states.get(sensor);
                RuleOutcome<SensorAlarmState> outcome = engine.onReading(current, r);
                if (outcome.state() != current) {
                    states.put(sensor, outcome.state());
                }
                transitions += outcome.transitions().size();
            }
            if (transitions > 0) {
                out.collect(transitions);
            }
        }
    }

    private static double seconds(long ms) {
        return ms / 1000.0;
    }
}
