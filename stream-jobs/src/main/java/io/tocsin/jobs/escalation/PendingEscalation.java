package io.tocsin.jobs.escalation;

import io.tocsin.jobs.routing.RoutedAlarm;

/**
 * An alarm waiting for its acknowledgement.
 *
 * @param alarm     the event that raised it (unacknowledged)
 * @param level     how often it has been escalated so far
 * @param timerAtMs processing time of the next escalation
 */
public record PendingEscalation(RoutedAlarm alarm, int level, long timerAtMs) {
}
