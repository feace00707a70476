package io.tocsin.edge.buffer;

/**
 * The two queues of the buffer. Alarms and events (a fire panel's "FIRE zone 3", a device going offline)
 * are sent before any buffered telemetry and are never dropped to make room; telemetry is sent oldest
 * first and, when the buffer is full, loses its oldest batches.
 */
public enum Lane {
    /** Alarms and events: sent first, never dropped. */
    URGENT(0),
    /** Periodic readings: sent in order after the urgent lane is empty, oldest dropped when full. */
    TELEMETRY(1);

    /** Stored in the database; a lower code is sent first. */
    final int code;

    Lane(int code) {
        this.code = code;
    }

    static Lane ofCode(int code) {
        return code == 0 ? URGENT : TELEMETRY;
    }
}
