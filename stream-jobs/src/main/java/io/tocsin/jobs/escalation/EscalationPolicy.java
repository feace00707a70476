package io.tocsin.jobs.escalation;

import io.tocsin.rules.Severity;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * How long an alarm may stay unacknowledged, per severity, before it is escalated to the next responsible
 * station and the control room; 0 means never escalated. The control room also receives the alarms of sites
 * that are not in the registry (nobody else would).
 */
public record EscalationPolicy(long redMs, long orangeMs, long yellowMs, long blueMs, String controlRoomId)
        implements Serializable {

    public static final String DEFAULT_CONTROL_ROOM = "control-room";

    /** RED 60 s, ORANGE 2 min, YELLOW 10 min, BLUE never. */
    public static final EscalationPolicy DEFAULT = new EscalationPolicy(60_000, 120_000, 600_000, 0,
            DEFAULT_CONTROL_ROOM);

    public EscalationPolicy {
        Objects.requireNonNull(controlRoomId, "controlRoomId");
        if (redMs < 0 || orangeMs < 0 || yellowMs < 0 || blueMs < 0) {
            throw new IllegalArgumentException("escalation times must not be negative");
        }
    }

    public static EscalationPolicy of(Duration red, Duration orange, Duration yellow, Duration blue,
            String controlRoomId) {
        return new EscalationPolicy(red.toMillis(), orange.toMillis(), yellow.toMillis(), blue.toMillis(),
                controlRoomId);
    }

    /** 0 when alarms of this severity are never escalated. */
    public long escalateAfterMs(Severity severity) {
        return switch (severity) {
            case RED -> redMs;
            case ORANGE -> orangeMs;
            case YELLOW -> yellowMs;
            case BLUE -> blueMs;
        };
    }
}
