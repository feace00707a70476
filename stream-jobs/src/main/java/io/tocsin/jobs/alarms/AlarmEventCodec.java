package io.tocsin.jobs.alarms;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.Severity;
import io.tocsin.rules.TransitionCause;

/**
 * Converts between the rules' {@link AlarmTransition} and the wire {@link AlarmEvent}. Conversion happens at
 * the edges of the job only: protobuf objects never flow through Flink (they would be serialised by Kryo).
 *
 * <p>Enums are mapped case by case, not by name or ordinal, so renaming or reordering either side is a
 * compile error here instead of a wrong colour at a fire station.
 */
public final class AlarmEventCodec {

    private AlarmEventCodec() {
    }

    public static AlarmEvent toProto(AlarmTransition t) {
        return AlarmEvent.newBuilder()
                .setAlarmId(t.alarmId())
                .setSiteId(t.siteId())
                .setDeviceId(t.deviceId())
                .setSensorId(t.sensorId())
                .setRuleId(t.ruleId())
                .setSeverity(toProto(t.severity()))
                .setState(toProto(t.state()))
                .setValue(t.value())
                .setThreshold(t.threshold())
                .setRaisedAtMs(t.raisedAtMs())
                .setEventTimeMs(t.eventTimeMs())
                .setActivation(t.activation())
                .setKind(toProto(t.kind()))
                .setCause(toProto(t.cause()))
                .setRuleSetVersion(t.ruleSetVersion())
                .setActor(t.actor())
                .setComment(t.comment())
                .setShelvedUntilMs(t.shelvedUntilMs())
                .setFlapping(t.flapping())
                .build();
    }

    public static byte[] toBytes(AlarmTransition t) {
        return toProto(t).toByteArray();
    }

    /** The event with its routing: stations, escalation level, zone. */
    public static AlarmEvent toProto(RoutedAlarm a) {
        return toProto(a.transition()).toBuilder()
                .addAllStationIds(a.stationIds())
                .setEscalationLevel(a.escalationLevel())
                .setZoneId(a.zoneId())
                .build();
    }

    public static byte[] toBytes(RoutedAlarm a) {
        return toProto(a).toByteArray();
    }

    /** The routed alarm an event describes. */
    public static RoutedAlarm routedFromProto(AlarmEvent e) {
        return new RoutedAlarm(fromProto(e), e.getStationIdsList(), e.getEscalationLevel(), e.getZoneId());
    }

    /**
     * An event written before kind and cause existed (both unspecified) reads as a process alarm decided by
     * its condition: that is what every such event was.
     *
     * @throws IllegalArgumentException if the event's severity or state is unspecified or unknown to this
     *                                  version
     */
    public static AlarmTransition fromProto(AlarmEvent e) {
        return new AlarmTransition(e.getAlarmId(), e.getSiteId(), e.getDeviceId(), e.getSensorId(), e.getRuleId(),
                fromProto(e.getSeverity()), fromProto(e.getState()), e.getValue(), e.getThreshold(),
                e.getRaisedAtMs(), e.getEventTimeMs(), e.getActivation(), fromProto(e.getKind()),
                fromProto(e.getCause()), e.getRuleSetVersion(), e.getActor(), e.getComment(), e.getShelvedUntilMs(),
                e.getFlapping());
    }

    /**
     * @throws InvalidProtocolBufferException if the bytes are not an AlarmEvent
     * @throws IllegalArgumentException       see {@link #fromProto(AlarmEvent)}
     */
    public static AlarmTransition fromBytes(byte[] bytes) throws InvalidProtocolBufferException {
        return fromProto(AlarmEvent.parseFrom(bytes));
    }

    static io.tocsin.proto.v1.Severity toProto(Severity severity) {
        return switch (severity) {
            case RED -> io.tocsin.proto.v1.Severity.SEVERITY_RED;
            case ORANGE -> io.tocsin.proto.v1.Severity.SEVERITY_ORANGE;
            case YELLOW -> io.tocsin.proto.v1.Severity.SEVERITY_YELLOW;
            case BLUE -> io.tocsin.proto.v1.Severity.SEVERITY_BLUE;
        };
    }

    static Severity fromProto(io.tocsin.proto.v1.Severity severity) {
        return switch (severity) {
            case SEVERITY_RED -> Severity.RED;
            case SEVERITY_ORANGE -> Severity.ORANGE;
            case SEVERITY_YELLOW -> Severity.YELLOW;
            case SEVERITY_BLUE -> Severity.BLUE;
            case SEVERITY_UNSPECIFIED, UNRECOGNIZED ->
                    throw new IllegalArgumentException("alarm event without a known severity: " + severity);
        };
    }

    static io.tocsin.proto.v1.AlarmState toProto(AlarmState state) {
        return switch (state) {
            case NORMAL -> io.tocsin.proto.v1.AlarmState.ALARM_STATE_NORMAL;
            case ACTIVE_UNACKNOWLEDGED -> io.tocsin.proto.v1.AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED;
            case ACTIVE_ACKNOWLEDGED -> io.tocsin.proto.v1.AlarmState.ALARM_STATE_ACTIVE_ACKNOWLEDGED;
            case RETURNED_UNACKNOWLEDGED -> io.tocsin.proto.v1.AlarmState.ALARM_STATE_RETURNED_UNACKNOWLEDGED;
            case SHELVED -> io.tocsin.proto.v1.AlarmState.ALARM_STATE_SHELVED;
            case SUPPRESSED -> io.tocsin.proto.v1.AlarmState.ALARM_STATE_SUPPRESSED;
        };
    }

    static AlarmState fromProto(io.tocsin.proto.v1.AlarmState state) {
        return switch (state) {
            case ALARM_STATE_NORMAL -> AlarmState.NORMAL;
            case ALARM_STATE_ACTIVE_UNACKNOWLEDGED -> AlarmState.ACTIVE_UNACKNOWLEDGED;
            case ALARM_STATE_ACTIVE_ACKNOWLEDGED -> AlarmState.ACTIVE_ACKNOWLEDGED;
            case ALARM_STATE_RETURNED_UNACKNOWLEDGED -> AlarmState.RETURNED_UNACKNOWLEDGED;
            case ALARM_STATE_SHELVED -> AlarmState.SHELVED;
            case ALARM_STATE_SUPPRESSED -> AlarmState.SUPPRESSED;
            case ALARM_STATE_UNSPECIFIED, UNRECOGNIZED ->
                    throw new IllegalArgumentException("alarm event without a known state: " + state);
        };
    }

    static io.tocsin.proto.v1.AlarmKind toProto(AlarmKind kind) {
        return switch (kind) {
            case PROCESS -> io.tocsin.proto.v1.AlarmKind.ALARM_KIND_PROCESS;
            case FAULT -> io.tocsin.proto.v1.AlarmKind.ALARM_KIND_FAULT;
        };
    }

    static AlarmKind fromProto(io.tocsin.proto.v1.AlarmKind kind) {
        return switch (kind) {
            case ALARM_KIND_FAULT -> AlarmKind.FAULT;
            case ALARM_KIND_PROCESS, ALARM_KIND_UNSPECIFIED -> AlarmKind.PROCESS;
            case UNRECOGNIZED -> throw new IllegalArgumentException("alarm event of an unknown kind");
        };
    }

    static io.tocsin.proto.v1.TransitionCause toProto(TransitionCause cause) {
        return switch (cause) {
            case CONDITION -> io.tocsin.proto.v1.TransitionCause.TRANSITION_CAUSE_CONDITION;
            case ACKNOWLEDGE -> io.tocsin.proto.v1.TransitionCause.TRANSITION_CAUSE_ACKNOWLEDGE;
            case SHELVE -> io.tocsin.proto.v1.TransitionCause.TRANSITION_CAUSE_SHELVE;
            case UNSHELVE -> io.tocsin.proto.v1.TransitionCause.TRANSITION_CAUSE_UNSHELVE;
            case SHELVE_EXPIRED -> io.tocsin.proto.v1.TransitionCause.TRANSITION_CAUSE_SHELVE_EXPIRED;
            case SUPPRESS -> io.tocsin.proto.v1.TransitionCause.TRANSITION_CAUSE_SUPPRESS;
            case UNSUPPRESS -> io.tocsin.proto.v1.TransitionCause.TRANSITION_CAUSE_UNSUPPRESS;
            case FLAPPING_STARTED -> io.tocsin.proto.v1.TransitionCause.TRANSITION_CAUSE_FLAPPING_STARTED;
            case FLAPPING_SETTLED -> io.tocsin.proto.v1.TransitionCause.TRANSITION_CAUSE_FLAPPING_SETTLED;
        };
    }

    static TransitionCause fromProto(io.tocsin.proto.v1.TransitionCause cause) {
        return switch (cause) {
            case TRANSITION_CAUSE_CONDITION, TRANSITION_CAUSE_UNSPECIFIED -> TransitionCause.CONDITION;
            case TRANSITION_CAUSE_ACKNOWLEDGE -> TransitionCause.ACKNOWLEDGE;
            case TRANSITION_CAUSE_SHELVE -> TransitionCause.SHELVE;
            case TRANSITION_CAUSE_UNSHELVE -> TransitionCause.UNSHELVE;
            case TRANSITION_CAUSE_SHELVE_EXPIRED -> TransitionCause.SHELVE_EXPIRED;
            case TRANSITION_CAUSE_SUPPRESS -> TransitionCause.SUPPRESS;
            case TRANSITION_CAUSE_UNSUPPRESS -> TransitionCause.UNSUPPRESS;
            case TRANSITION_CAUSE_FLAPPING_STARTED -> TransitionCause.FLAPPING_STARTED;
            case TRANSITION_CAUSE_FLAPPING_SETTLED -> TransitionCause.FLAPPING_SETTLED;
            case UNRECOGNIZED -> throw new IllegalArgumentException("alarm event with an unknown cause");
        };
    }
}
