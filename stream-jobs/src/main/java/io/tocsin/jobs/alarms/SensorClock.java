package io.tocsin.jobs.alarms;

/**
 * Ties a sensor's clock to the task's processing time, so that the engine's {@code now} for a timer is on the
 * sensor's clock even when the gateway's clock is off: now = readingTimeMs + (processing time - arrivalMs).
 *
 * @param readingTimeMs event time of the sensor's newest reading
 * @param arrivalMs     processing time at which that reading arrived
 * @param timerAtMs     the processing-time timer the sensor waits for; Long.MIN_VALUE for none. In the stages with a
 *                      timer per key (gateways, field events) the registered timer; in {@link EvaluateAlarmRules},
 *                      keyed by site, the sensor's own deadline (the site's one timer is at the earliest of them)
 */
public record SensorClock(long readingTimeMs, long arrivalMs, long timerAtMs) {

    public static final long NO_TIMER = Long.MIN_VALUE;

    /** The sensor's time at processing time {@code processingMs}. */
    public long sensorTimeAt(long processingMs) {
        return readingTimeMs + (processingMs - arrivalMs);
    }

    /** The processing time at which the sensor's clock shows {@code sensorMs}. */
    public long processingTimeOf(long sensorMs) {
        return processingTimeOf(readingTimeMs, arrivalMs, sensorMs);
    }

    private static long processingTimeOf(long readingTimeMs, long arrivalMs, long sensorMs) {
        return arrivalMs + (sensorMs - readingTimeMs);
    }

    /** The timer for the sensor-clock deadline {@code deadlineSensorMs}: {@link #NO_TIMER} for Long.MAX_VALUE. */
    private static long timerFor(long readingTimeMs, long arrivalMs, long deadlineSensorMs) {
        return deadlineSensorMs == Long.MAX_VALUE ? NO_TIMER
                : processingTimeOf(readingTimeMs, arrivalMs, deadlineSensorMs);
    }

    /**
     * The clock of a reading of {@code readingTimeMs} that arrived at {@code arrivalMs}, its timer at the processing
     * time of the sensor-clock deadline {@code deadlineSensorMs} ({@code Long.MAX_VALUE}: none).
     */
    public static SensorClock forReading(long readingTimeMs, long arrivalMs, long deadlineSensorMs) {
        return new SensorClock(readingTimeMs, arrivalMs, timerFor(readingTimeMs, arrivalMs, deadlineSensorMs));
    }

    /**
     * This clock with its timer at the processing time of the sensor-clock deadline {@code deadlineSensorMs}
     * ({@code Long.MAX_VALUE}: none); itself if the timer is already there. Registers nothing.
     */
    public SensorClock withDeadline(long deadlineSensorMs) {
        long due = timerFor(readingTimeMs, arrivalMs, deadlineSensorMs);
        return due == timerAtMs ? this : withTimer(due);
    }

    public SensorClock withTimer(long at) {
        return new SensorClock(readingTimeMs, arrivalMs, at);
    }

    /**
     * Keeps exactly one processing-time timer, at the processing time of the sensor-clock {@code deadlineSensorMs}
     * ({@code Long.MAX_VALUE}: none): replaces the registered timer when the due time changed. Used by the stages
     * that hold one timer per key (gateways, field events, zones); returns the clock with the new timer.
     */
    public SensorClock withOnlyTimerAt(long deadlineSensorMs, org.apache.flink.streaming.api.TimerService timers) {
        long due = timerFor(readingTimeMs, arrivalMs, deadlineSensorMs);
        if (due != timerAtMs) {
            if (timerAtMs != NO_TIMER) {
                timers.deleteProcessingTimeTimer(timerAtMs);
            }
            if (due != NO_TIMER) {
                timers.registerProcessingTimeTimer(due);
            }
        }
        return withTimer(due);
    }
}
