package io.tocsin.edge.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.edge.EdgeAgent;
import io.tocsin.edge.buffer.DiskBuffer;
import io.tocsin.edge.buffer.Lane;
import io.tocsin.edge.uplink.MqttUplink;
import io.tocsin.edge.uplink.Uplink;
import io.tocsin.edge.uplink.UplinkException;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark harness (not a test): fills a disk buffer with N readings in batches of B, then lets an agent
 * replay them to an in-process sink that acknowledges at once, and prints fill and replay rates. Measures
 * the buffer's share of the replay (read, send, delete with an fsync per acknowledged batch); the network
 * and ingest come on top.
 *
 * <pre>
 * ./mvnw -B -q -o test-compile -pl edge-agent
 * java -cp "edge-agent/target/test-classes:edge-agent/target/classes:$(cat cp.txt)" \
 *     io.tocsin.edge.bench.ReplayBenchmark 1000000 500 /var/tmp/replay-bench.db [tcp://127.0.0.1:1884]
 * </pre>
 * With an MQTT URI as fourth argument the buffer is replayed through the real MQTT uplink to a running ingest
 * server (standalone's {@code io.tocsin.standalone.bench.LocalIngest}), which acknowledges each batch only
 * after Kafka did.
 */
public final class ReplayBenchmark {

    public static void main(String[] args) throws Exception {
        long readings = Long.parseLong(args.length > 0 ? args[0] : "1000000");
        int perBatch = Integer.parseInt(args.length > 1 ? args[1] : "500");
        Path file = Path.of(args.length > 2 ? args[2] : "/var/tmp/tocsin-replay-bench.db");
        Files.deleteIfExists(file);
        try (DiskBuffer buffer = DiskBuffer.open(file, DiskBuffer.Limits.ofBytes(4L << 30))) {
            long start = System.nanoTime();
            long ts = 1_700_000_000_000L;
            for (long done = 0; done < readings; done += perBatch) {
                List<Reading> batch = new ArrayList<>(perBatch);
                for (int i = 0; i < perBatch; i++) {
                    batch.add(Reading.newBuilder().setSensorId("gas-" + (i % 200)).setTimestampMs(ts++)
                            .setValue(i * 0.1).setQuality(Quality.QUALITY_GOOD).setUnit("%LEL").build());
                }
                buffer.append("park-1", "gw-bench", Lane.TELEMETRY, batch);
            }
            double fillS = (System.nanoTime() - start) / 1e9;
            System.out.printf("filled %d readings in %d batches, %d MB, in %.1f s (%.0f readings/s)%n", readings,
                    buffer.batches(), buffer.bytes() >> 20, fillS, readings / fillS);

            AtomicLong sent = new AtomicLong();
            Uplink sink = args.length > 3 ? countingMqttUplink(args[3], sent) : new Uplink() {
                @Override
                public void send(TelemetryBatch batch) {
                    sent.addAndGet(batch.toByteArray().length > 0 ? batch.getReadingsCount() : 0);
                }

                @Override
                public void close() {
                }
            };
            start = System.nanoTime();
            try (EdgeAgent agent = new EdgeAgent("park-1", "gw-bench", List.of(), sink, buffer,
                    EdgeAgent.Settings.of(Duration.ofSeconds(1)), Clock.systemUTC(), new SimpleMeterRegistry())) {
                agent.start();
                while (buffer.batches() > 0) {
                    synchronized (sent) {
                        sent.wait(10);
                    }
                }
            }
            double replayS = (System.nanoTime() - start) / 1e9;
            System.out.printf("replayed %d readings in %.1f s (%.0f readings/s)%n", sent.get(), replayS,
                    sent.get() / replayS);
        }
        Files.deleteIfExists(file);
    }

    /** The real MQTT uplink to a running ingest server (see standalone's LocalIngest), counting what it acked. */
    private static Uplink countingMqttUplink(String serverUri, AtomicLong sent) throws Exception {
        MqttUplink mqtt = MqttUplink.connect(serverUri, "park-1.gw-bench", Duration.ofSeconds(30));
        return new Uplink() {
            @Override
            public void send(TelemetryBatch batch) throws UplinkException {
                mqtt.send(batch);
                sent.addAndGet(batch.getReadingsCount());
            }

            @Override
            public void close() {
                mqtt.close();
            }
        };
    }
}
