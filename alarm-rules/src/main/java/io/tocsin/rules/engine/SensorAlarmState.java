package io.tocsin.rules.engine;

import io.tocsin.rules.lifecycle.AlarmSlot;
import io.tocsin.rules.rate.SampleWindow;
import java.util.Arrays;
import java.util.Objects;

/**
 * Everything the engine remembers about one sensor: one {@link AlarmSlot} per rule, the time of the last
 * reading (for silence and for delays) and, if the sensor has rate-of-rise rules, its sample window.
 *
 * <p>The record is replaced on every reading, but the {@link SampleWindow} inside is updated in place (it
 * changes with every reading and copying it would cost more than the fit): do not keep an old state and
 * evaluate from it again. Records, arrays and the POJO window: Flink serialises it without Kryo.
 *
 * @param lastReadingMs event time of the newest reading seen; readings older than it are ignored
 * @param window        null when no rule of the sensor needs samples
 */
public record SensorAlarmState(String siteId, String deviceId, String sensorId, long lastReadingMs,
        SampleWindow window, AlarmSlot[] slots) {

    public SensorAlarmState {
        Objects.requireNonNull(siteId, "siteId");
        Objects.requireNonNull(sensorId, "sensorId");
        Objects.requireNonNull(slots, "slots");
        deviceId = deviceId == null ? "" : deviceId;
    }

    /** The slot of a rule, or null if the sensor has no such rule. */
    public AlarmSlot slot(String ruleId) {
        for (AlarmSlot s : slots) {
            if (s.ruleId().equals(ruleId)) {
                return s;
            }
        }
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SensorAlarmState s && siteId.equals(s.siteId) && deviceId.equals(s.deviceId)
                && sensorId.equals(s.sensorId) && lastReadingMs == s.lastReadingMs
                && Objects.equals(window, s.window) && Arrays.equals(slots, s.slots);
    }

    @Override
    public int hashCode() {
        return Objects.hash(siteId, sensorId, lastReadingMs) * 31 + Arrays.hashCode(slots);
    }

    @Override
    public String toString() {
        return "SensorAlarmState[" + siteId + "/" + sensorId + " via " + deviceId + " last=" + lastReadingMs
                + " " + Arrays.toString(slots) + "]";
    }
}
