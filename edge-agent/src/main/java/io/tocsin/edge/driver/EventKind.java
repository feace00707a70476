package io.tocsin.edge.driver;

import java.util.Locale;

/** What an event reading reports. Carried as the unit {@code event:<kind>} (see {@link Events}). */
public enum EventKind {
    /** A fire panel reports fire in a zone/loop point. */
    FIRE,
    /** A detector or panel reports a fault (open loop, sensor fault, power). */
    FAULT,
    /** The panel was reset: the conditions it reported are cleared. */
    RESET,
    /** A field device stopped answering: its points are bad quality from now on. */
    OFFLINE,
    /** A field device answers again. */
    ONLINE,
    /** A local alarm rule fired on the gateway. */
    ALARM;

    public String unit() {
        return Events.UNIT_PREFIX + name().toLowerCase(Locale.ROOT);
    }
}
