package io.tocsin.rules.events;

import java.util.Locale;
import java.util.Optional;

/**
 * What a field event reports: the one list of kinds for the edge agents that send them and the platform that
 * acts on them. Edge agents send events as readings whose unit is {@code event:<kind>} (edge-agent's
 * {@code Events}): the sensor id names the point (fire panel zone or loop point, Modbus device, local rule
 * activation) and the value is 1 when the condition starts and 0 when it clears. What each kind does is decided
 * in one place, {@link FieldEventAlarms}.
 */
public enum FieldEvent {
    /** A fire panel reports fire at a zone or loop point. */
    FIRE,
    /** A detector or panel reports a fault (open loop, sensor fault, power). */
    FAULT,
    /** The panel was reset: the conditions it reported are cleared. */
    RESET,
    /** A field device stopped answering (sensor id: the device). */
    OFFLINE,
    /** A field device answers again (sensor id: the device). */
    ONLINE,
    /** A local alarm rule of the gateway fired (sensor id: {@code sensor/rule/activation}). */
    ALARM;

    /** The unit of every event reading starts with this. */
    public static final String UNIT_PREFIX = "event:";

    /** Whether a reading with this unit is an event (of a known kind or not). */
    public static boolean isEventUnit(String unit) {
        return unit != null && unit.startsWith(UNIT_PREFIX);
    }

    /** The kind named by an event unit, case-insensitively; empty for a unit that is no event or an unknown kind. */
    public static Optional<FieldEvent> ofUnit(String unit) {
        if (!isEventUnit(unit)) {
            return Optional.empty();
        }
        String name = unit.substring(UNIT_PREFIX.length()).toUpperCase(Locale.ROOT);
        for (FieldEvent e : values()) {
            if (e.name().equals(name)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** {@code event:fire} ... as sent by the edge agents. */
    public String unit() {
        return UNIT_PREFIX + name().toLowerCase(Locale.ROOT);
    }
}
