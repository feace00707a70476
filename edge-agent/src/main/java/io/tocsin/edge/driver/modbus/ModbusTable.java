package io.tocsin.edge.driver.modbus;

/** The four Modbus data tables and the largest read each allows in one request. */
public enum ModbusTable {
    COIL(true, 2000),
    DISCRETE_INPUT(true, 2000),
    HOLDING_REGISTER(false, 125),
    INPUT_REGISTER(false, 125);

    private final boolean bits;
    private final int maxPerRequest;

    ModbusTable(boolean bits, int maxPerRequest) {
        this.bits = bits;
        this.maxPerRequest = maxPerRequest;
    }

    /** Whether the table holds single bits (coils, discrete inputs) rather than 16-bit registers. */
    public boolean isBits() {
        return bits;
    }

    /** Protocol limit of one read request: 125 registers or 2000 bits. */
    public int maxPerRequest() {
        return maxPerRequest;
    }
}
