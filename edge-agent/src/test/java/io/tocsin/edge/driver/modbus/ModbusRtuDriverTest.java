package io.tocsin.edge.driver.modbus;

import static io.tocsin.edge.driver.modbus.ModbusTcpDriverTest.assertKnownValues;
import static io.tocsin.edge.driver.modbus.ModbusTcpDriverTest.latestBySensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.ghgande.j2mod.modbus.slave.ModbusSlave;
import com.ghgande.j2mod.modbus.slave.ModbusSlaveFactory;
import com.ghgande.j2mod.modbus.util.SerialParameters;
import io.tocsin.edge.driver.serial.SerialParity;
import io.tocsin.edge.testing.SocatPtyPair;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Modbus RTU driver through the real jSerialComm path, against a real j2mod RTU slave on the other end of
 * a socat pty pair.
 */
class ModbusRtuDriverTest {

    @TempDir
    Path dir;

    private SocatPtyPair cable;
    private ModbusSlave slave;

    @BeforeEach
    void startSlave() throws Exception {
        cable = new SocatPtyPair(dir);
        SerialParameters parameters = new SerialParameters(cable.a(), 19200, 0, 0, 8, 1, 0, false);
        parameters.setEncoding("rtu");
        slave = ModbusSlaveFactory.createSerialSlave(parameters);
        slave.addProcessImage(1, KnownRegisters.processImage(1));
        slave.open();
    }

    @AfterEach
    void stop() {
        if (slave != null) {
            ModbusSlaveFactory.close(slave);
        }
        cable.close();
    }

    @Test
    void everyDataTypeInEveryByteOrderOverRtuAndADeadNeighbourDoesNotStallTheBus() {
        ModbusDevice present = new ModbusDevice("rack-1", 1, Duration.ofMillis(200), Duration.ofMillis(500), 1,
                Duration.ofMillis(50), KnownRegisters.points());
        ModbusDevice absent = new ModbusDevice("rack-3", 3, Duration.ofMillis(200), Duration.ofMillis(300), 1,
                Duration.ofMillis(50), List.of(ModbusPoint.of("gas-31", ModbusTable.INPUT_REGISTER, 0,
                        ModbusDataType.INT16)));
        try (ModbusDriver driver = ModbusDriver.rtu(cable.b(), 19200, SerialParity.NONE, 1, List.of(absent, present),
                Clock.systemUTC())) {
            driver.start();
            List<Reading> collected = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                collected.addAll(driver.poll(0));
                long offlineAt = indexOf(collected, "event:offline");
                // "not stalled": the live device keeps being read after its neighbour went offline
                return offlineAt >= 0 && collected.subList((int) offlineAt, collected.size()).stream()
                        .filter(r -> r.getSensorId().equals("float64-cdab")).count() >= 3;
            });
            assertKnownValues(latestBySensor(collected));
            assertThat(driver.status("rack-3")).isEqualTo(ModbusDriver.DeviceStatus.OFFLINE);
            assertThat(collected).filteredOn(r -> r.getSensorId().equals("gas-31")).isNotEmpty()
                    .allSatisfy(r -> assertThat(r.getQuality()).isEqualTo(Quality.QUALITY_BAD));
        }
    }

    private static long indexOf(List<Reading> readings, String unit) {
        for (int i = 0; i < readings.size(); i++) {
            if (readings.get(i).getUnit().equals(unit)) {
                return i;
            }
        }
        return -1;
    }
}
