package io.tocsin.edge.driver.modbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModbusReadPlanTest {

    @Test
    void contiguousAndOverlappingPointsShareOneRequestAndGapsSplit() {
        List<ModbusPoint> points = List.of(
                ModbusPoint.of("a", ModbusTable.HOLDING_REGISTER, 10, ModbusDataType.FLOAT32),
                ModbusPoint.of("b", ModbusTable.HOLDING_REGISTER, 12, ModbusDataType.INT16),
                ModbusPoint.of("b-bit", ModbusTable.HOLDING_REGISTER, 12, ModbusDataType.BIT).withBit(3),
                ModbusPoint.of("c", ModbusTable.HOLDING_REGISTER, 20, ModbusDataType.FLOAT64),
                ModbusPoint.of("d", ModbusTable.INPUT_REGISTER, 12, ModbusDataType.INT16),
                ModbusPoint.of("e", ModbusTable.COIL, 0, ModbusDataType.BOOL),
                ModbusPoint.of("f", ModbusTable.COIL, 1, ModbusDataType.BOOL));

        List<ModbusReadPlan.Request> plan = ModbusReadPlan.of(points);

        assertThat(plan).extracting(r -> r.table() + "@" + r.start() + "x" + r.count())
                .containsExactlyInAnyOrder("HOLDING_REGISTER@10x3", "HOLDING_REGISTER@20x4", "INPUT_REGISTER@12x1",
                        "COIL@0x2");
    }

    @Test
    void noRequestIsLongerThan125RegistersAndNoValueIsSplitAcrossTwo() {
        List<ModbusPoint> points = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            points.add(ModbusPoint.of("p" + i, ModbusTable.HOLDING_REGISTER, i * 2, ModbusDataType.FLOAT32));
        }
        List<ModbusReadPlan.Request> plan = ModbusReadPlan.of(points);

        assertThat(plan).allSatisfy(r -> assertThat(r.count()).isLessThanOrEqualTo(125));
        assertThat(plan).extracting(ModbusReadPlan.Request::count).containsExactly(124, 76);
        assertThat(plan).flatExtracting(ModbusReadPlan.Request::points).hasSize(100);
    }
}
