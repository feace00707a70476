package io.tocsin.edge.alarm;

import io.tocsin.edge.driver.Driver;
import io.tocsin.edge.driver.modbus.ModbusDriver;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Switches a coil of a field device; the future completes once the device confirmed the write. */
@FunctionalInterface
public interface CoilWriter {

    CompletableFuture<Void> writeCoil(String device, int address, boolean on);

    /** Writes through whichever Modbus driver among {@code drivers} polls {@code device}. */
    static CoilWriter over(List<Driver> drivers) {
        return (device, address, on) -> {
            for (Driver driver : drivers) {
                if (driver instanceof ModbusDriver modbus && modbus.hasDevice(device)) {
                    return modbus.writeCoil(device, address, on);
                }
            }
            return CompletableFuture.failedFuture(
                    new IllegalArgumentException("no Modbus driver polls a device named " + device));
        };
    }
}
