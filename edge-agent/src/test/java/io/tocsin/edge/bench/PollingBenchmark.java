package io.tocsin.edge.bench;

import com.sun.management.OperatingSystemMXBean;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.edge.EdgeAgent;
import io.tocsin.edge.buffer.DiskBuffer;
import io.tocsin.edge.driver.Driver;
import io.tocsin.edge.driver.modbus.ModbusByteOrder;
import io.tocsin.edge.driver.modbus.ModbusDataType;
import io.tocsin.edge.driver.modbus.ModbusDevice;
import io.tocsin.edge.driver.modbus.ModbusDriver;
import io.tocsin.edge.driver.modbus.ModbusPoint;
import io.tocsin.edge.driver.modbus.ModbusTable;
import io.tocsin.edge.uplink.Uplink;
import io.tocsin.proto.v1.TelemetryBatch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark harness (not a test): the agent polling D Modbus TCP devices x 10 points at 1 Hz (one driver and
 * one TCP connection per device, as 20 separate PLCs would be), committing every tick to a disk buffer and
 * sending to an in-process uplink that acknowledges at once. The j2mod slaves run in a child JVM so that only
 * the agent's CPU is counted. After a warm-up it measures for S seconds: CPU % of one core (process CPU time /
 * wall time), heap used (sampled each second: max, and after a full GC at the end), readings polled and sent.
 *
 * <pre>
 * ./mvnw -B -q -o test-compile -pl edge-agent
 * ./mvnw -B -q -o dependency:build-classpath -pl edge-agent -Dmdep.outputFile=/tmp/edge-cp.txt
 * java -Xmx64m -XX:+UseSerialGC -cp "edge-agent/target/test-classes:edge-agent/target/classes:$(cat /tmp/edge-cp.txt)" \
 *     io.tocsin.edge.bench.PollingBenchmark 20 60
 * </pre>
 */
public final class PollingBenchmark {

    public static void main(String[] args) throws Exception {
        int devices = Integer.parseInt(args.length > 0 ? args[0] : "20");
        int seconds = Integer.parseInt(args.length > 1 ? args[1] : "60");
        Process farm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-cp", System.getProperty("java.class.path"), ModbusSlaveFarm.class.getName(),
                String.valueOf(devices)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Path file = Files.createTempFile("tocsin-poll-bench", ".db");
        try {
            String line = new BufferedReader(new InputStreamReader(farm.getInputStream())).readLine();
            String[] ports = line.substring("ports ".length()).split(",");
            List<Driver> drivers = new ArrayList<>();
            for (int d = 0; d < devices; d++) {
                List<ModbusPoint> points = new ArrayList<>();
                for (int p = 0; p < 10; p++) {
                    points.add(new ModbusPoint("dev" + d + "-p" + p, ModbusTable.HOLDING_REGISTER, p,
                            ModbusDataType.UINT16, ModbusByteOrder.ABCD, 0, 0.1, 0, "%LEL"));
                }
                drivers.add(ModbusDriver.tcp("127.0.0.1", Integer.parseInt(ports[d]), List.of(new ModbusDevice(
                        "plc-" + d, 1, Duration.ofSeconds(1), Duration.ofMillis(500), 2, Duration.ofMillis(100),
                        points)), Clock.systemUTC()));
            }
            AtomicLong sent = new AtomicLong();
            Uplink sink = new Uplink() {
                @Override
                public void send(TelemetryBatch batch) {
                    sent.addAndGet(batch.toByteArray().length > 0 ? batch.getReadingsCount() : 0);
                }

                @Override
                public void close() {
                }
            };
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            try (DiskBuffer buffer = DiskBuffer.open(file, DiskBuffer.Limits.ofBytes(256L << 20));
                 EdgeAgent agent = new EdgeAgent("park-1", "gw-bench", drivers, sink, buffer,
                         EdgeAgent.Settings.of(Duration.ofSeconds(1)), Clock.systemUTC(), meters)) {
                agent.start();
                pause(10_000); // warm-up: JIT, connections
                long cpu0 = os.getProcessCpuTime();
                long wall0 = System.nanoTime();
                long sent0 = sent.get();
                double polled0 = meters.get("tocsin.edge.readings.polled").counter().count();
                long maxHeap = 0;
                for (int s = 0; s < seconds; s++) {
                    pause(1_000);
                    maxHeap = Math.max(maxHeap, memory.getHeapMemoryUsage().getUsed());
                }
                long cpu = os.getProcessCpuTime() - cpu0;
                long wall = System.nanoTime() - wall0;
                double polled = meters.get("tocsin.edge.readings.polled").counter().count() - polled0;
                System.gc();
                long afterGc = memory.getHeapMemoryUsage().getUsed();
                System.out.printf("%d devices x 10 points at 1 Hz for %d s: CPU %.2f %% of one core, heap used max"
                                + " %.1f MB, after full GC %.1f MB (max heap %d MB), %.0f readings polled, %d sent,"
                                + " %.0f readings/s%n", devices, seconds, 100.0 * cpu / wall, maxHeap / 1e6,
                        afterGc / 1e6, Runtime.getRuntime().maxMemory() >> 20, polled, sent.get() - sent0,
                        polled / (wall / 1e9));
            }
        } finally {
            farm.destroyForcibly();
            Files.deleteIfExists(file);
        }
    }

    private static void pause(long ms) throws InterruptedException {
        synchronized (PollingBenchmark.class) {
            PollingBenchmark.class.wait(ms); // pacing the measurement, not synchronisation
        }
    }
}
