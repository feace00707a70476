package io.tocsin.edge.driver.modbus;

/** How a point's registers are read as a number. */
public enum ModbusDataType {
    /** A coil or discrete input: 0 or 1. */
    BOOL(1),
    INT16(1),
    UINT16(1),
    INT32(2),
    UINT32(2),
    INT64(4),
    FLOAT32(2),
    FLOAT64(4),
    /** One bit of a 16-bit status register (alarm and fault bits): 0 or 1; bit 0 is the least significant. */
    BIT(1);

    private final int registers;

    ModbusDataType(int registers) {
        this.registers = registers;
    }

    /** Registers (or bits, for BOOL) the value occupies. */
    public int registers() {
        return registers;
    }
}
