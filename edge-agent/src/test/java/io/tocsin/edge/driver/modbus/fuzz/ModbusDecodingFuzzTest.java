package io.tocsin.edge.driver.modbus.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tocsin.edge.driver.modbus.ModbusByteOrder;
import io.tocsin.edge.driver.modbus.ModbusDataType;
import io.tocsin.edge.driver.modbus.ModbusDecoder;
import io.tocsin.edge.driver.modbus.ModbusPoint;
import io.tocsin.edge.driver.modbus.ModbusTable;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Register contents come from a device on the wire, so every 16-bit pattern is possible. For every data type
 * and byte order the decoded value must equal an independent reading of the same bytes (ByteBuffer in the
 * order the ModbusByteOrder javadoc documents), and integer types must stay in their range.
 */
class ModbusDecodingFuzzTest {

    private static final ModbusDataType[] REGISTER_TYPES = {ModbusDataType.INT16, ModbusDataType.UINT16,
        ModbusDataType.BIT, ModbusDataType.INT32, ModbusDataType.UINT32, ModbusDataType.INT64,
        ModbusDataType.FLOAT32, ModbusDataType.FLOAT64};

    @FuzzTest(maxDuration = "10s")
    void registersDecodeAsDocumentedInEveryByteOrder(FuzzedDataProvider data) {
        ModbusDataType type = data.pickValue(REGISTER_TYPES);
        ModbusByteOrder order = data.pickValue(ModbusByteOrder.values());
        int bit = data.consumeInt(0, 15);
        int offsetInRead = data.consumeInt(0, 4);
        int[] registers = new int[offsetInRead + type.registers()];
        for (int i = 0; i < registers.length; i++) {
            registers[i] = data.consumeInt(0, 0xFFFF);
        }
        ModbusPoint point = new ModbusPoint("s", ModbusTable.HOLDING_REGISTER, 0, type, order, bit, 1, 0, "");

        double decoded = ModbusDecoder.decodeRegisters(point, registers, offsetInRead);

        byte[] wire = new byte[type.registers() * 2];
        for (int i = 0; i < type.registers(); i++) {
            wire[2 * i] = (byte) (registers[offsetInRead + i] >>> 8);
            wire[2 * i + 1] = (byte) registers[offsetInRead + i];
        }
        // "* 1 + 0": the decoder applies scale and offset, which turns -0.0 into 0.0 (first finding of this test).
        double expected = independentDecode(type, order, wire, bit) * 1 + 0;
        // Double.compare: NaN registers (a meter's "no value") must decode to NaN too (second finding).
        assertThat(Double.compare(decoded, expected)).as("%s %s: %s, expected %s", type, order, decoded, expected)
                .isZero();
        switch (type) {
            case INT16 -> assertThat(decoded).isBetween(-32768.0, 32767.0);
            case UINT16 -> assertThat(decoded).isBetween(0.0, 65535.0);
            case BIT -> assertThat(decoded).isIn(0.0, 1.0);
            case UINT32 -> assertThat(decoded).isBetween(0.0, 4294967295.0);
            default -> { }
        }
    }

    /** Reads the bytes as the enum's javadoc says, with ByteBuffer instead of the decoder's permutation. */
    private static double independentDecode(ModbusDataType type, ModbusByteOrder order, byte[] wire, int bit) {
        ByteBuffer buffer = switch (order) {
            case ABCD -> ByteBuffer.wrap(wire).order(ByteOrder.BIG_ENDIAN);
            case DCBA -> ByteBuffer.wrap(wire).order(ByteOrder.LITTLE_ENDIAN);
            case BADC -> ByteBuffer.wrap(swapBytesOfEachRegister(wire)).order(ByteOrder.BIG_ENDIAN);
            // Registers in reverse order, bytes within a register high first: little-endian over registers.
            case CDAB -> ByteBuffer.wrap(swapBytesOfEachRegister(wire)).order(ByteOrder.LITTLE_ENDIAN);
        };
        return switch (type) {
            case INT16 -> buffer.getShort();
            case UINT16 -> buffer.getShort() & 0xFFFF;
            case BIT -> ((buffer.getShort() & 0xFFFF) >>> bit) & 1;
            case INT32 -> buffer.getInt();
            case UINT32 -> buffer.getInt() & 0xFFFF_FFFFL;
            case INT64 -> buffer.getLong();
            case FLOAT32 -> buffer.getFloat();
            case FLOAT64 -> buffer.getDouble();
            case BOOL -> throw new IllegalArgumentException();
        };
    }

    private static byte[] swapBytesOfEachRegister(byte[] wire) {
        byte[] out = new byte[wire.length];
        for (int i = 0; i < wire.length; i += 2) {
            out[i] = wire[i + 1];
            out[i + 1] = wire[i];
        }
        return out;
    }
}
