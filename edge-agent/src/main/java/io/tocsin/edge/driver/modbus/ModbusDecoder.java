package io.tocsin.edge.driver.modbus;

import java.nio.ByteBuffer;

/** Turns the registers of a point, as read, into its value in engineering units. */
public final class ModbusDecoder {

    private ModbusDecoder() {
    }

    /**
     * @param registers unsigned 16-bit register contents, {@code point.length()} of them starting at the point
     */
    public static double decodeRegisters(ModbusPoint point, int[] registers, int from) {
        int n = point.length();
        byte[] wire = new byte[n * 2];
        for (int i = 0; i < n; i++) {
            wire[2 * i] = (byte) (registers[from + i] >> 8);
            wire[2 * i + 1] = (byte) registers[from + i];
        }
        ByteBuffer value = ByteBuffer.wrap(point.byteOrder().toBigEndian(wire));
        double raw = switch (point.type()) {
            case INT16 -> value.getShort();
            case UINT16 -> Short.toUnsignedInt(value.getShort());
            case BIT -> (Short.toUnsignedInt(value.getShort()) >> point.bit()) & 1;
            case INT32 -> value.getInt();
            case UINT32 -> Integer.toUnsignedLong(value.getInt());
            case INT64 -> value.getLong();
            case FLOAT32 -> value.getFloat();
            case FLOAT64 -> value.getDouble();
            case BOOL -> throw new IllegalArgumentException("bool points are read from bit tables");
        };
        return raw * point.scale() + point.offset();
    }

    public static double decodeBit(ModbusPoint point, boolean bit) {
        return (bit ? 1 : 0) * point.scale() + point.offset();
    }

}
