package io.tocsin.edge.driver.modbus;

import com.ghgande.j2mod.modbus.procimg.SimpleDigitalIn;
import com.ghgande.j2mod.modbus.procimg.SimpleDigitalOut;
import com.ghgande.j2mod.modbus.procimg.SimpleInputRegister;
import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Register contents worked out by hand (and cross-checked with Python's struct module) for every data type
 * in every byte order, the process image of a real j2mod slave holding them, and the points that read them
 * back. The expected values are independent of the decoder under test.
 */
final class KnownRegisters {

    record Vector(ModbusDataType type, ModbusByteOrder order, int[] registers, double expected) {
    }

    static final List<Vector> VECTORS = new ArrayList<>();

    private static void add(ModbusDataType type, double expected, int[] abcd, int[] dcba, int[] badc, int[] cdab) {
        VECTORS.add(new Vector(type, ModbusByteOrder.ABCD, abcd, expected));
        VECTORS.add(new Vector(type, ModbusByteOrder.DCBA, dcba, expected));
        VECTORS.add(new Vector(type, ModbusByteOrder.BADC, badc, expected));
        VECTORS.add(new Vector(type, ModbusByteOrder.CDAB, cdab, expected));
    }

    static {
        add(ModbusDataType.INT16, -1234, new int[] {0xFB2E}, new int[] {0x2EFB}, new int[] {0x2EFB},
                new int[] {0xFB2E});
        add(ModbusDataType.UINT16, 54321, new int[] {0xD431}, new int[] {0x31D4}, new int[] {0x31D4},
                new int[] {0xD431});
        add(ModbusDataType.INT32, -123456789, new int[] {0xF8A4, 0x32EB}, new int[] {0xEB32, 0xA4F8},
                new int[] {0xA4F8, 0xEB32}, new int[] {0x32EB, 0xF8A4});
        add(ModbusDataType.UINT32, 3_000_000_000d, new int[] {0xB2D0, 0x5E00}, new int[] {0x005E, 0xD0B2},
                new int[] {0xD0B2, 0x005E}, new int[] {0x5E00, 0xB2D0});
        add(ModbusDataType.FLOAT32, 123.456f, new int[] {0x42F6, 0xE979}, new int[] {0x79E9, 0xF642},
                new int[] {0xF642, 0x79E9}, new int[] {0xE979, 0x42F6});
        add(ModbusDataType.INT64, (double) -1234567890123456789L, new int[] {0xEEDD, 0xEF0B, 0x8216, 0x7EEB},
                new int[] {0xEB7E, 0x1682, 0x0BEF, 0xDDEE}, new int[] {0xDDEE, 0x0BEF, 0x1682, 0xEB7E},
                new int[] {0x7EEB, 0x8216, 0xEF0B, 0xEEDD});
        add(ModbusDataType.FLOAT64, -9876.54321, new int[] {0xC0C3, 0x4A45, 0x87E7, 0xC06E},
                new int[] {0x6EC0, 0xE787, 0x454A, 0xC3C0}, new int[] {0xC3C0, 0x454A, 0xE787, 0x6EC0},
                new int[] {0xC06E, 0x87E7, 0x4A45, 0xC0C3});
    }

    /** Status word with alarm bit 0, bit 2 and bit 15 set. */
    static final int STATUS_WORD = 0xA005;
    /** A gas head reporting 123.4 %LEL as tenths, with a -10 offset in the point: 1234 * 0.1 - 10 = 113.4. */
    static final int SCALED_RAW = 1234;
    /** A second block far from the first, so the plan needs a second request. */
    static final int FAR_ADDRESS = 1_000;

    private KnownRegisters() {
    }

    /** The expected value of every point, by sensor id. */
    static Map<String, Double> expected() {
        Map<String, Double> expected = new LinkedHashMap<>();
        for (Vector v : VECTORS) {
            expected.put(sensorId(v), v.expected());
        }
        expected.put("status-bit0", 1.0);
        expected.put("status-bit1", 0.0);
        expected.put("status-bit2", 1.0);
        expected.put("status-bit15", 1.0);
        expected.put("gas-scaled", 113.4);
        expected.put("input-float", 123.456f * 1.0);
        expected.put("coil-0", 1.0);
        expected.put("coil-1", 0.0);
        expected.put("coil-2", 1.0);
        expected.put("discrete-0", 0.0);
        expected.put("discrete-1", 1.0);
        return expected;
    }

    static String sensorId(Vector v) {
        return v.type().name().toLowerCase() + "-" + v.order().name().toLowerCase();
    }

    static List<ModbusPoint> points() {
        List<ModbusPoint> points = new ArrayList<>();
        int address = 0;
        for (Vector v : VECTORS) {
            points.add(ModbusPoint.of(sensorId(v), ModbusTable.HOLDING_REGISTER, address, v.type())
                    .withByteOrder(v.order()));
            address += v.registers().length;
        }
        points.add(ModbusPoint.of("status-bit0", ModbusTable.HOLDING_REGISTER, FAR_ADDRESS, ModbusDataType.BIT));
        points.add(ModbusPoint.of("status-bit1", ModbusTable.HOLDING_REGISTER, FAR_ADDRESS, ModbusDataType.BIT)
                .withBit(1));
        points.add(ModbusPoint.of("status-bit2", ModbusTable.HOLDING_REGISTER, FAR_ADDRESS, ModbusDataType.BIT)
                .withBit(2));
        points.add(ModbusPoint.of("status-bit15", ModbusTable.HOLDING_REGISTER, FAR_ADDRESS, ModbusDataType.BIT)
                .withBit(15));
        points.add(ModbusPoint.of("gas-scaled", ModbusTable.HOLDING_REGISTER, FAR_ADDRESS + 1, ModbusDataType.UINT16)
                .withScale(0.1, -10).withUnit("%LEL"));
        points.add(ModbusPoint.of("input-float", ModbusTable.INPUT_REGISTER, 2, ModbusDataType.FLOAT32)
                .withByteOrder(ModbusByteOrder.CDAB));
        for (int i = 0; i < 3; i++) {
            points.add(ModbusPoint.of("coil-" + i, ModbusTable.COIL, i, ModbusDataType.BOOL));
        }
        for (int i = 0; i < 2; i++) {
            points.add(ModbusPoint.of("discrete-" + i, ModbusTable.DISCRETE_INPUT, i, ModbusDataType.BOOL));
        }
        return points;
    }

    static SimpleProcessImage processImage(int unitId) {
        SimpleProcessImage image = new SimpleProcessImage(unitId);
        List<Integer> holding = new ArrayList<>();
        for (Vector v : VECTORS) {
            for (int r : v.registers()) {
                holding.add(r);
            }
        }
        while (holding.size() < FAR_ADDRESS) {
            holding.add(0);
        }
        holding.add(STATUS_WORD);
        holding.add(SCALED_RAW);
        for (int r : holding) {
            image.addRegister(new SimpleRegister(r));
        }
        for (int r : new int[] {0, 0, 0xE979, 0x42F6}) {
            image.addInputRegister(new SimpleInputRegister(r));
        }
        image.addDigitalOut(new SimpleDigitalOut(true));
        image.addDigitalOut(new SimpleDigitalOut(false));
        image.addDigitalOut(new SimpleDigitalOut(true));
        image.addDigitalOut(new SimpleDigitalOut(false)); // the siren relay written by the alarm tests
        image.addDigitalIn(new SimpleDigitalIn(false));
        image.addDigitalIn(new SimpleDigitalIn(true));
        return image;
    }
}
