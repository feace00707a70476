package io.tocsin.rules.lifecycle;

import java.util.Objects;

/**
 * A person's command on an alarm: who, when, why. Routed by the caller to the state of sensor
 * ({@code siteId}, {@code sensorId}) and applied with
 * {@link io.tocsin.rules.engine.SensorAlarmEngine#onCommand}.
 *
 * @param ruleId   the rule whose alarm is meant; null for SUPPRESS/UNSUPPRESS of every rule of the sensor
 * @param alarmId  for ACKNOWLEDGE: the id of the activation being acknowledged (an ack of an activation
 *                 that has already been replaced by a newer one is refused)
 * @param atMs     when the command was issued (the sensor's clock; it is the event time of the transition)
 * @param untilMs  for SHELVE: when the shelve expires
 */
public record AlarmCommand(Type type, String siteId, String sensorId, String ruleId, String alarmId, String actor,
        String comment, long atMs, long untilMs) {

    public enum Type {
        ACKNOWLEDGE,
        SHELVE,
        UNSHELVE,
        SUPPRESS,
        UNSUPPRESS
    }

    public AlarmCommand {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(siteId, "siteId");
        Objects.requireNonNull(sensorId, "sensorId");
        actor = actor == null ? "" : actor;
        comment = comment == null ? "" : comment;
    }

    /**
     * @param alarmId {@code site/sensor/rule/activation}
     * @throws IllegalArgumentException if the id does not have these four parts
     */
    public static AlarmCommand acknowledge(String alarmId, String actor, long atMs, String comment) {
        String[] parts = alarmId.split("/", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("alarm id '" + alarmId + "' is not site/sensor/rule/activation");
        }
        return new AlarmCommand(Type.ACKNOWLEDGE, parts[0], parts[1], parts[2], alarmId, actor, comment, atMs, 0);
    }

    public static AlarmCommand shelve(String siteId, String sensorId, String ruleId, String actor, long atMs,
            long untilMs, String comment) {
        return new AlarmCommand(Type.SHELVE, siteId, sensorId, ruleId, null, actor, comment, atMs, untilMs);
    }

    public static AlarmCommand unshelve(String siteId, String sensorId, String ruleId, String actor, long atMs,
            String comment) {
        return new AlarmCommand(Type.UNSHELVE, siteId, sensorId, ruleId, null, actor, comment, atMs, 0);
    }

    /** Maintenance of the sensor (or its device or site, routed to each of its sensors): every rule. */
    public static AlarmCommand suppress(String siteId, String sensorId, String actor, long atMs, String comment) {
        return new AlarmCommand(Type.SUPPRESS, siteId, sensorId, null, null, actor, comment, atMs, 0);
    }

    public static AlarmCommand unsuppress(String siteId, String sensorId, String actor, long atMs,
            String comment) {
        return new AlarmCommand(Type.UNSUPPRESS, siteId, sensorId, null, null, actor, comment, atMs, 0);
    }
}
