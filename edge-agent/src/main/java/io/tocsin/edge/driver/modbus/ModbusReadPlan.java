package io.tocsin.edge.driver.modbus;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The read requests that cover a device's points: points of one table that touch or overlap are merged into
 * one request, up to the protocol limit (125 registers, 2000 bits). Fewer requests means fewer round trips
 * on a slow RS-485 bus, and the values of one request are a consistent snapshot.
 */
public final class ModbusReadPlan {

    /** One read: {@code count} registers or bits of {@code table} from {@code start}, serving {@code points}. */
    public record Request(ModbusTable table, int start, int count, List<ModbusPoint> points) {
    }

    private ModbusReadPlan() {
    }

    public static List<Request> of(List<ModbusPoint> points) {
        Map<ModbusTable, List<ModbusPoint>> byTable = new EnumMap<>(ModbusTable.class);
        for (ModbusPoint point : points) {
            byTable.computeIfAbsent(point.table(), t -> new ArrayList<>()).add(point);
        }
        List<Request> requests = new ArrayList<>();
        for (Map.Entry<ModbusTable, List<ModbusPoint>> entry : byTable.entrySet()) {
            ModbusTable table = entry.getKey();
            List<ModbusPoint> sorted = new ArrayList<>(entry.getValue());
            sorted.sort(Comparator.comparingInt(ModbusPoint::address).thenComparingInt(ModbusPoint::end));
            int start = -1;
            int end = -1;
            List<ModbusPoint> current = new ArrayList<>();
            for (ModbusPoint point : sorted) {
                boolean fits = !current.isEmpty() && point.address() <= end
                        && Math.max(end, point.end()) - start <= table.maxPerRequest();
                if (!fits) {
                    if (!current.isEmpty()) {
                        requests.add(new Request(table, start, end - start, List.copyOf(current)));
                    }
                    current.clear();
                    start = point.address();
                    end = point.end();
                }
                current.add(point);
                end = Math.max(end, point.end());
            }
            if (!current.isEmpty()) {
                requests.add(new Request(table, start, end - start, List.copyOf(current)));
            }
        }
        return requests;
    }
}
