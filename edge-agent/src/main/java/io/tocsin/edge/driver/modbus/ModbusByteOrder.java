package io.tocsin.edge.driver.modbus;

/**
 * Where the bytes of a multi-register value sit, named by the position of the most significant byte A of
 * a 32-bit value as transmitted: ABCD is big-endian (the Modbus default), DCBA little-endian, BADC swaps the
 * bytes of each register, CDAB swaps the registers (the common "word swap" of many PLCs and meters).
 * For 64-bit values the same rule extends to four registers (CDAB reverses the register order); for
 * 16-bit values only the byte swap matters (DCBA and BADC swap, ABCD and CDAB do not).
 */
public enum ModbusByteOrder {
    ABCD,
    DCBA,
    BADC,
    CDAB;

    /** Rearranges bytes as transmitted (register 0 high byte first) into big-endian order. */
    byte[] toBigEndian(byte[] wire) {
        int n = wire.length;
        byte[] out = new byte[n];
        switch (this) {
            case ABCD -> System.arraycopy(wire, 0, out, 0, n);
            case DCBA -> {
                for (int i = 0; i < n; i++) {
                    out[i] = wire[n - 1 - i];
                }
            }
            case BADC -> {
                for (int i = 0; i < n; i += 2) {
                    out[i] = wire[i + 1];
                    out[i + 1] = wire[i];
                }
            }
            case CDAB -> {
                int words = n / 2;
                for (int w = 0; w < words; w++) {
                    out[2 * w] = wire[2 * (words - 1 - w)];
                    out[2 * w + 1] = wire[2 * (words - 1 - w) + 1];
                }
            }
        }
        return out;
    }
}
