package io.tocsin.edge.alarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.ghgande.j2mod.modbus.procimg.SimpleDigitalOut;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.edge.AgentAssembly;
import io.tocsin.edge.EdgeAgent;
import io.tocsin.edge.buffer.DiskBuffer;
import io.tocsin.edge.buffer.Lane;
import io.tocsin.edge.buffer.StoredBatch;
import io.tocsin.edge.config.AgentConfig;
import io.tocsin.edge.config.AgentConfigReader;
import io.tocsin.edge.driver.Driver;
import io.tocsin.edge.driver.Events;
import io.tocsin.edge.testing.LoopbackPorts;
import io.tocsin.edge.uplink.Uplink;
import io.tocsin.edge.uplink.UplinkException;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local alarms on a gateway whose platform is unreachable: a real j2mod Modbus TCP slave holds a gas detector
 * (unit 1, holding register 0 in %LEL) and a siren relay (unit 2, coil 0); the agent is built from YAML with the
 * shipped rule file, a real disk buffer and an uplink that is down until the test brings it back.
 */
class LocalAlarmsTest {

    @TempDir
    Path dir;

    private ModbusSlave slave;
    private int port;
    private final SimpleRegister gas = new SimpleRegister(5);
    private final SimpleDigitalOut siren = new SimpleDigitalOut(false);

    /** The platform as the gateway sees it: refuses everything while down, records what it acknowledged. */
    private static final class PlatformUplink implements Uplink {
        volatile boolean up;
        final List<TelemetryBatch> acknowledged = new CopyOnWriteArrayList<>();

        @Override
        public void send(TelemetryBatch batch) throws UplinkException {
            if (!up) {
                throw new UplinkException("could not connect to tcp://platform:1883: connection refused");
            }
            acknowledged.add(batch);
        }

        @Override
        public void close() {
        }
    }

    @BeforeEach
    void startSlave() throws Exception {
        port = LoopbackPorts.free();
        SimpleProcessImage detector = new SimpleProcessImage(1);
        detector.addRegister(gas);
        SimpleProcessImage relay = new SimpleProcessImage(2);
        relay.addDigitalOut(siren);
        slave = ModbusSlaveFactory.createTCPSlave(InetAddress.getLoopbackAddress(), port, 4, false);
        slave.addProcessImage(1, detector);
        slave.addProcessImage(2, relay);
        slave.open();
    }

    @AfterEach
    void stopSlave() {
        ModbusSlaveFactory.close(slave);
    }

    private AgentConfig config() throws Exception {
        return AgentConfigReader.parse("agent.yaml", """
                site: park-1
                device: gw-1
                poll-interval: 100ms
                buffer:
                  file: %s
                uplink:
                  uri: tcp://platform.invalid:1883
                local-alarms:
                  rules: default
                  outputs:
                    - name: siren-tank-farm
                      severities: [RED]
                      device: siren-relay
                      coil: 0
                drivers:
                  - type: modbus-tcp
                    host: 127.0.0.1
                    port: %d
                    devices:
                      - name: gas-controller
                        unit-id: 1
                        poll-interval: 100ms
                        points:
                          - sensor: gas-01
                            address: 0
                            type: uint16
                            unit: "%%LEL"
                      - name: siren-relay
                        unit-id: 2
                        poll-interval: 100ms
                        points:
                          - sensor: siren-state
                            table: coil
                            address: 0
                """.formatted(dir.resolve("buffer.db"), port), dir);
    }

    @Test
    void overTheThresholdWhileTheUplinkIsDownTheSirenSoundsAndTheAlarmIsSentFirst() throws Exception {
        AgentConfig config = config();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        List<Driver> drivers = AgentAssembly.drivers(config, Clock.systemUTC());
        PlatformUplink platform = new PlatformUplink();
        try (DiskBuffer buffer = DiskBuffer.open(config.bufferFile(), DiskBuffer.Limits.ofBytes(64L << 20));
             EdgeAgent agent = new EdgeAgent("park-1", "gw-1", drivers, platform, buffer,
                     AgentAssembly.settings(config).withRetryDelays(Duration.ofMillis(50), Duration.ofMillis(200)),
                     Clock.systemUTC(), meters)) {
            agent.useLocalAlarms(AgentAssembly.localAlarms(config, drivers, null, meters));
            agent.start();
            // Normal readings pile up in the buffer: the platform is unreachable.
            await().atMost(Duration.ofSeconds(10)).until(() -> buffer.batches() >= 5);
            assertThat(siren.isSet()).isFalse();

            gas.setValue(60); // 60 %LEL: over both GB/T 50493 levels (25 ORANGE, 50 RED)

            await().atMost(Duration.ofSeconds(5)).until(siren::isSet);
            assertThat(agent.localAlarms().orElseThrow().outputOn("siren-tank-farm")).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> buffer.urgentBatches() == 1);
            StoredBatch head = buffer.next().orElseThrow();
            assertThat(head.lane()).isEqualTo(Lane.URGENT);
            assertThat(head.batch().getReadingsList()).extracting(Reading::getSensorId, Reading::getUnit,
                    Reading::getValue).containsExactlyInAnyOrder(
                    org.assertj.core.groups.Tuple.tuple("gas-01/gas-high-1/1", "event:alarm", 1.0),
                    org.assertj.core.groups.Tuple.tuple("gas-01/gas-high-2/1", "event:alarm", 1.0));
            long telemetryBefore = buffer.batches() - 1L;
            assertThat(telemetryBefore).isGreaterThanOrEqualTo(5);

            platform.up = true; // the platform is back

            await().atMost(Duration.ofSeconds(10)).until(() -> platform.acknowledged.size() > telemetryBefore);
            TelemetryBatch first = platform.acknowledged.get(0);
            assertThat(first.getReadingsList()).as("the alarm jumps the queue").allMatch(Events::isEvent)
                    .extracting(Reading::getSensorId).contains("gas-01/gas-high-2/1");
            List<TelemetryBatch> rest = platform.acknowledged.subList(1, platform.acknowledged.size());
            assertThat(rest).as("then the backlog, oldest first").extracting(TelemetryBatch::getSequence).isSorted();
            assertThat(rest.get(0).getSequence()).isLessThan(first.getSequence());
            List<Double> gasValues = rest.stream().flatMap(b -> b.getReadingsList().stream())
                    .filter(r -> r.getSensorId().equals("gas-01")).map(Reading::getValue).toList();
            assertThat(gasValues).startsWith(5.0).contains(60.0);

            gas.setValue(5); // the leak is over: the siren stops, the platform hears the alarms return

            await().atMost(Duration.ofSeconds(5)).until(() -> !siren.isSet());
            await().atMost(Duration.ofSeconds(5)).until(() -> platform.acknowledged.stream()
                    .flatMap(b -> b.getReadingsList().stream())
                    .anyMatch(r -> r.getSensorId().equals("gas-01/gas-high-2/1") && r.getValue() == 0.0));
            assertThat(agent.localAlarms().orElseThrow().activeAlarms()).isEmpty();
            assertThat(meters.get("tocsin.edge.local.alarms").tag("severity", "RED").counters())
                    .isNotEmpty();
        }
    }

    @Test
    void aRelayThatDoesNotAnswerIsRetriedWithoutStoppingTheAlarm() throws Exception {
        AgentConfig config = config();
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        CoilWriter broken = (device, address, on) -> {
            attempts.incrementAndGet();
            return java.util.concurrent.CompletableFuture.failedFuture(new java.io.IOException("no answer"));
        };
        LocalAlarms alarms = new LocalAlarms("park-1", "gw-1", config.localAlarms().orElseThrow().rules(),
                config.localAlarms().orElseThrow().outputs(), broken, new SimpleMeterRegistry());
        long t = 1_700_000_000_000L;
        List<Reading> events = alarms.evaluate(List.of(Reading.newBuilder().setSensorId("gas-01").setTimestampMs(t)
                .setValue(70).setQuality(io.tocsin.proto.v1.Quality.QUALITY_GOOD).build()), t);
        assertThat(events).hasSize(2);
        assertThat(attempts).hasValue(1);
        alarms.evaluate(List.of(), t + 500); // within the retry pause: the bus is not hammered
        assertThat(attempts).hasValue(1);
        alarms.evaluate(List.of(), t + 1_000);
        assertThat(attempts).hasValue(2);
        assertThat(alarms.activeAlarms()).containsKeys("gas-01/gas-high-1", "gas-01/gas-high-2");
        assertThat(Optional.of(alarms.outputOn("siren-tank-farm"))).contains(false);
    }
}
