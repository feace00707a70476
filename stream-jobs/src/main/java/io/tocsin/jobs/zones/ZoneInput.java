package io.tocsin.jobs.zones;

import io.tocsin.rules.lifecycle.AlarmCommand;
import io.tocsin.rules.voting.MemberState;

/**
 * What changes a zone's vote: one member's new state, or a command on the zone alarm (routed here by the
 * sensor stage, which recognises a zone id by the registry).
 *
 * @param sensorId    the member whose state changed; null for a command
 * @param eventTimeMs the member's clock at the change (its reading's time)
 */
public record ZoneInput(String siteId, String zoneId, String sensorId, MemberState memberState, long eventTimeMs,
        AlarmCommand command, String commandId) {

    public static ZoneInput member(String siteId, String zoneId, String sensorId, MemberState state, long t) {
        return new ZoneInput(siteId, zoneId, sensorId, state, t, null, null);
    }

    public static ZoneInput command(String zoneId, String commandId, AlarmCommand command) {
        return new ZoneInput(command.siteId(), zoneId, null, null, command.atMs(), command, commandId);
    }

    public String key() {
        return siteId + "/" + zoneId;
    }
}
