package io.tocsin.edge.driver.modbus;

import java.util.Objects;

/**
 * One value read from a Modbus device and reported as the readings of {@code sensorId}:
 * {@code value = raw * scale + offset}, in {@code unit}.
 *
 * @param address zero-based protocol address (register 40001 of the vendor's manual is address 0)
 * @param bit     for {@link ModbusDataType#BIT}: which bit of the register, 0 = least significant
 */
public record ModbusPoint(String sensorId, ModbusTable table, int address, ModbusDataType type,
                          ModbusByteOrder byteOrder, int bit, double scale, double offset, String unit) {

    public ModbusPoint {
        Objects.requireNonNull(sensorId, "sensorId");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(byteOrder, "byteOrder");
        if (address < 0 || address > 0xFFFF) {
            throw new IllegalArgumentException(sensorId + ": address must be 0..65535, was " + address);
        }
        if (table.isBits() != (type == ModbusDataType.BOOL)) {
            throw new IllegalArgumentException(sensorId + ": " + table + " needs type "
                    + (table.isBits() ? "bool" : "a register type (int16 ... float64, bit)") + ", was " + type);
        }
        if (type == ModbusDataType.BIT && (bit < 0 || bit > 15)) {
            throw new IllegalArgumentException(sensorId + ": bit must be 0..15, was " + bit);
        }
        unit = unit == null ? "" : unit;
    }

    /** A point with scale 1, offset 0 and big-endian order. */
    public static ModbusPoint of(String sensorId, ModbusTable table, int address, ModbusDataType type) {
        return new ModbusPoint(sensorId, table, address, type, ModbusByteOrder.ABCD, 0, 1, 0, "");
    }

    public ModbusPoint withByteOrder(ModbusByteOrder order) {
        return new ModbusPoint(sensorId, table, address, type, order, bit, scale, offset, unit);
    }

    public ModbusPoint withBit(int newBit) {
        return new ModbusPoint(sensorId, table, address, type, byteOrder, newBit, scale, offset, unit);
    }

    public ModbusPoint withScale(double newScale, double newOffset) {
        return new ModbusPoint(sensorId, table, address, type, byteOrder, bit, newScale, newOffset, unit);
    }

    public ModbusPoint withUnit(String newUnit) {
        return new ModbusPoint(sensorId, table, address, type, byteOrder, bit, scale, offset, newUnit);
    }

    /** Registers (or bits) the point occupies. */
    public int length() {
        return type.registers();
    }

    /** First address after the point. */
    int end() {
        return address + length();
    }
}
