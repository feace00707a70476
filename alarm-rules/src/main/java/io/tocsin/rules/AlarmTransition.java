package io.tocsin.rules;

/**
 * One change of an alarm's state: exactly one is emitted per transition.
 *
 * @param alarmId        stable id of this activation, see {@link #idOf}
 * @param sensorId       the sensor, or the zone for a voting alarm
 * @param value          the figure that caused the transition (a reading, a slope, a vote count ...), or the
 *                       last known one for a command
 * @param threshold      the limit the value was compared with
 * @param raisedAtMs     event time at which this activation was raised (0 before the first activation)
 * @param eventTimeMs    event time of this transition (the sensor's clock)
 * @param activation     1 for the first activation of this rule on this sensor, then 2, 3 ... (0: never raised)
 * @param kind           process or fault alarm
 * @param cause          a rule's condition or a person's command
 * @param ruleSetVersion version of the rule set that decided this transition
 * @param actor          who issued the command behind it; empty for rule decisions
 * @param comment        why, as given with the command; empty for rule decisions
 * @param shelvedUntilMs while shelved: when the shelve expires; otherwise 0
 * @param flapping       the alarm is flapping: it is held active until it settles
 */
public record AlarmTransition(
        String alarmId,
        String siteId,
        String deviceId,
        String sensorId,
        String ruleId,
        Severity severity,
        AlarmState state,
        double value,
        double threshold,
        long raisedAtMs,
        long eventTimeMs,
        long activation,
        AlarmKind kind,
        TransitionCause cause,
        String ruleSetVersion,
        String actor,
        String comment,
        long shelvedUntilMs,
        boolean flapping) {

    /** A process alarm decided by its condition, outside any rule set (the walking skeleton's shape). */
    public AlarmTransition(String alarmId, String siteId, String deviceId, String sensorId, String ruleId,
            Severity severity, AlarmState state, double value, double threshold, long raisedAtMs,
            long eventTimeMs, long activation) {
        this(alarmId, siteId, deviceId, sensorId, ruleId, severity, state, value, threshold, raisedAtMs,
                eventTimeMs, activation, AlarmKind.PROCESS, TransitionCause.CONDITION, "", "", "", 0, false);
    }

    /**
     * The id of one activation: the same readings replayed after a crash give the same ids, so a duplicate
     * event downstream is recognisable as one.
     */
    public static String idOf(String siteId, String sensorId, String ruleId, long activation) {
        return siteId + "/" + sensorId + "/" + ruleId + "/" + activation;
    }
}
