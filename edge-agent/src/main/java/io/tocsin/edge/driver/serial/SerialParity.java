package io.tocsin.edge.driver.serial;

/** Parity of a serial line (RS-232/RS-485), shared by the Modbus RTU and raw line drivers. */
public enum SerialParity {
    NONE(0), ODD(1), EVEN(2);

    private final int code;

    SerialParity(int code) {
        this.code = code;
    }

    /** jSerialComm's constant (NO_PARITY, ODD_PARITY, EVEN_PARITY). */
    public int jSerialCommCode() {
        return code;
    }
}
