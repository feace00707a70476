package io.tocsin.edge.driver.modbus;

import java.time.Duration;
import java.util.List;

/**
 * One slave on a Modbus bus (a gas controller, a PLC, a power meter) and the points read from it.
 *
 * @param unitId       Modbus unit (slave) id, 1..247 (0 is broadcast; TCP gateways often use 1 or 255)
 * @param pollInterval how often its points are read
 * @param timeout      how long to wait for one answer
 * @param retries      further attempts after a failed one before the device counts as offline
 * @param retryBackoff wait before the first retry, doubled for each further one; the bus serves the other
 *                     devices meanwhile
 */
public record ModbusDevice(String name, int unitId, Duration pollInterval, Duration timeout, int retries,
                           Duration retryBackoff, List<ModbusPoint> points) {

    public ModbusDevice {
        if (unitId < 0 || unitId > 255) {
            throw new IllegalArgumentException(name + ": unit id must be 0..255, was " + unitId);
        }
        if (retries < 0) {
            throw new IllegalArgumentException(name + ": retries must be >= 0, was " + retries);
        }
        points = List.copyOf(points);
    }
}
