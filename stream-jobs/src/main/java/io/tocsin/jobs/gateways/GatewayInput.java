package io.tocsin.jobs.gateways;

import io.tocsin.rules.lifecycle.AlarmCommand;

/**
 * What changes a gateway's fault: a status event, or a person's command on its fault alarm. One stream keyed by
 * {@link #key()} so that one operator owns the alarm state.
 *
 * @param status    the status event, or null for a command
 * @param command   the command (its sensor id is the device id), or null for a status event
 * @param commandId the sender's id of the command; null for a status event
 */
public record GatewayInput(GatewayStatus status, AlarmCommand command, String commandId) {

    public static GatewayInput of(GatewayStatus status) {
        return new GatewayInput(status, null, null);
    }

    public static GatewayInput of(String commandId, AlarmCommand command) {
        return new GatewayInput(null, command, commandId);
    }

    /** {@code site/device}; site ids never contain '/'. */
    public String key() {
        return status != null ? status.key() : keyOf(command.siteId(), command.sensorId());
    }

    public static String keyOf(String siteId, String deviceId) {
        return siteId + "/" + deviceId;
    }
}
