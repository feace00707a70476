package io.tocsin.jobs.commands;

import io.tocsin.rules.lifecycle.AlarmCommand;

/**
 * What became of a person's command: accepted, or refused with the reason to show them.
 *
 * @param type        null when the request was too broken to tell
 * @param decidedAtMs processing time of the decision, epoch ms
 */
public record CommandResult(String commandId, boolean accepted, String refusal, String siteId, String sensorId,
        AlarmCommand.Type type, String actor, long decidedAtMs) {

    public static CommandResult accepted(String commandId, AlarmCommand c, long now) {
        return new CommandResult(commandId, true, "", c.siteId(), c.sensorId(), c.type(), c.actor(), now);
    }

    public static CommandResult refused(String commandId, AlarmCommand c, String reason, long now) {
        return new CommandResult(commandId, false, reason, c.siteId(), c.sensorId(), c.type(), c.actor(), now);
    }
}
