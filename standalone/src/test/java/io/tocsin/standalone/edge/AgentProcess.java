package io.tocsin.standalone.edge;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.edge.EdgeAgent;
import io.tocsin.edge.buffer.DiskBuffer;
import io.tocsin.edge.driver.Driver;
import io.tocsin.edge.uplink.ConnectOnDemandUplink;
import io.tocsin.edge.uplink.MqttUplink;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Child JVM of {@link StoreAndForwardEndToEndTest}: a real edge agent with a disk buffer, two sensors read
 * every 50 ms, sending to the ingest server; prints its buffer depth and acknowledged count every 50 ms so
 * the test can follow it, until the test kills it.
 */
public final class AgentProcess {

    public static void main(String[] args) throws Exception {
        String mqttUri = args[0];
        Path bufferFile = Path.of(args[1]);
        Driver sensors = new Driver() {
            @Override
            public String name() {
                return "two-sensors";
            }

            @Override
            public List<Reading> poll(long nowMs) {
                return List.of(reading("gas-01", nowMs), reading("gas-02", nowMs));
            }
        };
        DiskBuffer buffer = DiskBuffer.open(bufferFile, DiskBuffer.Limits.ofBytes(64L << 20));
        EdgeAgent agent = new EdgeAgent("park-1", "gw-1", List.of(sensors),
                new ConnectOnDemandUplink(() -> MqttUplink.connect(mqttUri, "park-1.gw-1", Duration.ofSeconds(3))),
                buffer, EdgeAgent.Settings.of(Duration.ofMillis(50))
                        .withRetryDelays(Duration.ofMillis(100), Duration.ofMillis(500)),
                Clock.systemUTC(), new SimpleMeterRegistry());
        agent.start();
        while (true) {
            System.out.println("pending " + agent.pendingBatches() + " acked " + agent.acknowledgedBatches());
            System.out.flush();
            synchronized (AgentProcess.class) {
                AgentProcess.class.wait(50); // a status line, not a synchronisation
            }
        }
    }

    private static Reading reading(String sensor, long nowMs) {
        return Reading.newBuilder().setSensorId(sensor).setTimestampMs(nowMs).setValue(nowMs % 1000)
                .setQuality(Quality.QUALITY_GOOD).setUnit("%LEL").build();
    }
}
