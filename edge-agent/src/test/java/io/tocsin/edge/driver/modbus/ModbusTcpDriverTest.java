package io.tocsin.edge.driver.modbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import io.tocsin.edge.driver.Events;
import io.tocsin.edge.testing.LoopbackPorts;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Modbus TCP driver against a real j2mod slave on loopback. */
class ModbusTcpDriverTest {

    private ModbusSlave slave;
    private int port;

    @BeforeEach
    void startSlave() throws Exception {
        port = LoopbackPorts.free();
        slave = ModbusSlaveFactory.createTCPSlave(InetAddress.getLoopbackAddress(), port, 4, false);
        slave.addProcessImage(1, KnownRegisters.processImage(1));
        slave.open();
    }

    @AfterEach
    void stopSlave() {
        ModbusSlaveFactory.close(slave);
    }

    static ModbusDevice device(String name, int unitId, List<ModbusPoint> points) {
        return new ModbusDevice(name, unitId, Duration.ofMillis(100), Duration.ofMillis(300), 1,
                Duration.ofMillis(50), points);
    }

    static Map<String, Reading> latestBySensor(List<Reading> readings) {
        Map<String, Reading> latest = new HashMap<>();
        for (Reading r : readings) {
            latest.put(r.getSensorId(), r);
        }
        return latest;
    }

    static void assertKnownValues(Map<String, Reading> latest) {
        Map<String, Double> expected = KnownRegisters.expected();
        assertThat(latest.keySet()).containsAll(expected.keySet());
        expected.forEach((sensor, value) -> {
            Reading reading = latest.get(sensor);
            assertThat(reading.getQuality()).as(sensor).isEqualTo(Quality.QUALITY_GOOD);
            assertThat(reading.getValue()).as(sensor).isCloseTo(value, within(Math.abs(value) * 1e-12 + 1e-9));
        });
    }

    @Test
    void everyDataTypeInEveryByteOrderReadsItsKnownValue() {
        try (ModbusDriver driver = ModbusDriver.tcp("127.0.0.1", port,
                List.of(device("rack-1", 1, KnownRegisters.points())), Clock.systemUTC())) {
            driver.start();
            List<Reading> collected = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                collected.addAll(driver.poll(0));
                return latestBySensor(collected).size() >= KnownRegisters.expected().size();
            });
            assertKnownValues(latestBySensor(collected));
            assertThat(driver.status("rack-1")).isEqualTo(ModbusDriver.DeviceStatus.ONLINE);
        }
    }

    @Test
    void aDeviceThatDoesNotAnswerTurnsBadAndIsReportedWhileItsNeighbourKeepsBeingRead() {
        ModbusDevice present = device("rack-1", 1, KnownRegisters.points());
        ModbusDevice absent = device("rack-9", 9, List.of(
                ModbusPoint.of("gas-91", ModbusTable.HOLDING_REGISTER, 0, ModbusDataType.UINT16)));
        try (ModbusDriver driver = ModbusDriver.tcp("127.0.0.1", port, List.of(absent, present), Clock.systemUTC())) {
            driver.start();
            List<Reading> collected = new ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                collected.addAll(driver.poll(0));
                return collected.stream().anyMatch(r -> r.getUnit().equals("event:offline"))
                        && collected.stream().filter(r -> r.getSensorId().equals("int16-abcd")).count() >= 5;
            });
            assertThat(driver.status("rack-9")).isEqualTo(ModbusDriver.DeviceStatus.OFFLINE);
            assertThat(collected).filteredOn(Events::isEvent).extracting(Reading::getSensorId).containsOnly("rack-9");
            assertThat(collected).filteredOn(r -> r.getSensorId().equals("gas-91"))
                    .isNotEmpty().allSatisfy(r -> assertThat(r.getQuality()).isEqualTo(Quality.QUALITY_BAD));
            assertKnownValues(latestBySensor(collected));
        }
    }

    @Test
    void aCoilWriteReachesTheSlave() throws Exception {
        try (ModbusDriver driver = ModbusDriver.tcp("127.0.0.1", port,
                List.of(device("rack-1", 1, List.of(ModbusPoint.of("siren", ModbusTable.COIL, 3, ModbusDataType.BOOL)))),
                Clock.systemUTC())) {
            driver.start();
            driver.writeCoil("rack-1", 3, true).get();
            assertThat(slave.getProcessImage(1).getDigitalOut(3).isSet()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> driver.poll(0).stream()
                    .anyMatch(r -> r.getSensorId().equals("siren") && r.getValue() == 1.0));
        }
    }
}
