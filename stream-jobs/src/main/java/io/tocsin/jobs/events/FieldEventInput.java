package io.tocsin.jobs.events;

import io.tocsin.rules.SensorReading;
import io.tocsin.rules.lifecycle.AlarmCommand;

/**
 * What changes a site's field event alarms: an event reading (unit {@code event:<kind>}), or a person's command on
 * one of those alarms. One stream keyed by {@link #key()}, the site, so that one operator owns every field event
 * alarm of a site: a panel RESET has to reach the state of all the panel's points.
 *
 * @param reading   the event as a reading (the sensor id names the point), or null for a command
 * @param unit      the reading's unit, {@code event:<kind>} (possibly of a kind this job does not know); null for a
 *                  command
 * @param command   the command (its rule id is an {@code event-*} id), or null for an event
 * @param commandId the sender's id of the command; null for an event
 */
public record FieldEventInput(SensorReading reading, String unit, AlarmCommand command, String commandId) {

    public static FieldEventInput of(SensorReading reading, String unit) {
        return new FieldEventInput(reading, unit, null, null);
    }

    public static FieldEventInput of(String commandId, AlarmCommand command) {
        return new FieldEventInput(null, null, command, commandId);
    }

    /** The site. */
    public String key() {
        return reading != null ? reading.siteId() : command.siteId();
    }
}
