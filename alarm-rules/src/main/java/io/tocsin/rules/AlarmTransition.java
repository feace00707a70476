package io.tocsin.rules;

/**
 * One change of an alarm's state: exactly one is emitted per transition.
 *
 * @param alarmId     stable id of this activation, see {@link #idOf}
 * @param value       the reading that caused the transition
 * @param raisedAtMs  event time at which this activation was raised
 * @param eventTimeMs event time of this transition
 * @param activation  1 for the first activation of this rule on this sensor, then 2, 3 ...
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
        long activation) {

    /**
     * The id of one activation: the same readings replayed after a crash give the same ids, so a duplicate
     * event downstream is recognisable as one.
     */
    public static String idOf(String siteId, String sensorId, String ruleId, long activation) {
        return siteId + "/" + sensorId + "/" + ruleId + "/" + activation;
    }
}
