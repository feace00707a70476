package io.tocsin.rules.events;

import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.RuleOutcome;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Severity;
import io.tocsin.rules.engine.CommandOutcome;
import io.tocsin.rules.engine.SensorAlarmEngine;
import io.tocsin.rules.engine.SensorAlarmState;
import io.tocsin.rules.lifecycle.AlarmCommand;
import io.tocsin.rules.lifecycle.SitePolicy;
import java.util.List;
import java.util.Objects;

/**
 * Field events as alarms by default, whatever the rule file says: the one place that maps each {@link FieldEvent}
 * to what it does.
 *
 * <table>
 *   <caption>The mapping</caption>
 *   <tr><th>event</th><th>alarm</th></tr>
 *   <tr><td>FIRE 1 / 0</td><td>raises / clears {@code site/point/event-fire/n}: PROCESS, RED</td></tr>
 *   <tr><td>FAULT 1 / 0</td><td>raises / clears {@code site/point/event-fault/n}: FAULT, YELLOW</td></tr>
 *   <tr><td>OFFLINE 1 / 0</td><td>raises / clears {@code site/device/event-offline/n}: FAULT, YELLOW</td></tr>
 *   <tr><td>ONLINE 1 / 0</td><td>clears / raises that same offline fault (same sensor id: the device)</td></tr>
 *   <tr><td>RESET</td><td>clears the FIRE and FAULT alarms of the points reported through the same device
 *       (gateway) of the site, see {@link #reset}</td></tr>
 *   <tr><td>ALARM</td><td>no alarm: counted and logged by the caller. The gateway's local rules evaluate the
 *       same readings that the gateway forwards to the platform, whose own rules decide on them with the
 *       operators' current rule file; raising the local verdict too would annunciate every threshold crossing
 *       twice under two ids. The local rules are for local sirens while the uplink is down.</td></tr>
 * </table>
 *
 * Severities follow the default rule file: a fire is RED; a fault or an offline device says "you are blind here",
 * YELLOW like every fault and silence rule. No on/off delays and no flapping detection: the device has already
 * debounced its own condition, and a fire panel's fire must reach the station at once.
 *
 * <p>Each rule has its own engine and each point its own state per rule ({@code SensorAlarmState} with one slot):
 * a point's fire and fault are separate alarms with separate ids and activations. Ids are
 * {@code site/sensor/event-<kind>/<activation>}, so replaying the same events gives the same ids.
 */
public final class FieldEventAlarms {

    /** Every rule id of a field event alarm starts with this; rule files must not use it. */
    public static final String RULE_ID_PREFIX = "event-";

    public static final FieldEventRule FIRE = new FieldEventRule(RuleCommon.of("event-fire", Severity.RED),
            AlarmKind.PROCESS);
    public static final FieldEventRule FAULT = new FieldEventRule(RuleCommon.of("event-fault", Severity.YELLOW),
            AlarmKind.FAULT);
    public static final FieldEventRule OFFLINE = new FieldEventRule(RuleCommon.of("event-offline", Severity.YELLOW),
            AlarmKind.FAULT);

    public static final List<FieldEventRule> RULES = List.of(FIRE, FAULT, OFFLINE);

    /**
     * What one event reading does to one alarm: the condition {@code value} (1 on, 0 off) fed to {@code rule}'s
     * state of the event's sensor.
     */
    public record Effect(FieldEventRule rule, double value) {
    }

    private final SensorAlarmEngine[] engines;

    /**
     * @param ruleSetVersion carried by every transition, like other alarms (the rule file's version)
     * @param policy         the site's shelving policy (e.g. whether a RED fire may be shelved)
     */
    public FieldEventAlarms(String ruleSetVersion, SitePolicy policy) {
        Objects.requireNonNull(ruleSetVersion, "ruleSetVersion");
        Objects.requireNonNull(policy, "policy");
        engines = new SensorAlarmEngine[RULES.size()];
        for (int i = 0; i < engines.length; i++) {
            engines[i] = new SensorAlarmEngine(ruleSetVersion, List.of(RULES.get(i)), Double.NEGATIVE_INFINITY,
                    Double.POSITIVE_INFINITY, policy);
        }
    }

    /**
     * The alarm an event changes, or null for RESET (see {@link #reset}) and ALARM (no alarm of its own).
     * ONLINE is the offline fault's condition inverted.
     */
    public static Effect effectOf(FieldEvent event, double value) {
        return switch (event) {
            case FIRE -> new Effect(FIRE, value);
            case FAULT -> new Effect(FAULT, value);
            case OFFLINE -> new Effect(OFFLINE, value);
            case ONLINE -> new Effect(OFFLINE, Double.isNaN(value) ? value : value == 0 ? 1 : 0);
            case RESET, ALARM -> null;
        };
    }

    /** The field event rule with this id, or null (a sensor rule, a gateway fault ...). */
    public static FieldEventRule ruleOf(String ruleId) {
        for (FieldEventRule r : RULES) {
            if (r.ruleId().equals(ruleId)) {
                return r;
            }
        }
        return null;
    }

    /** Whether a command naming this rule id is about a field event alarm (including unknown {@code event-*}). */
    public static boolean isFieldEventRuleId(String ruleId) {
        return ruleId != null && ruleId.startsWith(RULE_ID_PREFIX);
    }

    /** Whether a RESET of the panel clears this rule's alarms. */
    public static boolean clearedByReset(FieldEventRule rule) {
        return rule == FIRE || rule == FAULT;
    }

    public SensorAlarmEngine engineOf(FieldEventRule rule) {
        return engines[RULES.indexOf(rule)];
    }

    /**
     * Applies an event to the state of (its sensor, the effect's rule).
     *
     * @param state  that state; null for a point never seen
     * @param event  the event reading as sent (its value is replaced by the effect's)
     */
    public RuleOutcome<SensorAlarmState> onEvent(SensorAlarmState state, Effect effect, SensorReading event) {
        return engineOf(effect.rule()).onReading(state, new SensorReading(event.siteId(), event.deviceId(),
                event.sensorId(), event.timestampMs(), effect.value(), event.quality()));
    }

    /**
     * A panel reset: the condition of {@code state} (a FIRE or FAULT point) is cleared at {@code atMs}, or at the
     * point's last event if that is later (the engine ignores older readings). An active alarm then returns
     * (ACTIVE_UNACKNOWLEDGED to RETURNED_UNACKNOWLEDGED, which stays on the console until acknowledged), so that
     * the point's next FIRE is a new activation; a point still burning is reported again by the panel after the
     * reset.
     */
    public RuleOutcome<SensorAlarmState> reset(FieldEventRule rule, SensorAlarmState state, long atMs) {
        if (!clearedByReset(rule)) {
            throw new IllegalArgumentException("a reset does not clear " + rule.ruleId());
        }
        return engineOf(rule).onReading(state, new SensorReading(state.siteId(), state.deviceId(), state.sensorId(),
                Math.max(atMs, state.lastReadingMs()), 0, ReadingQuality.GOOD));
    }

    /** A person's command on the alarm of {@code rule} at the state's sensor (null: never seen). */
    public CommandOutcome onCommand(FieldEventRule rule, SensorAlarmState state, AlarmCommand command) {
        return engineOf(rule).onCommand(state, command);
    }

    /** The time at which {@link #evaluateAt} may decide something (a shelve expiring); Long.MAX_VALUE for never. */
    public long nextDeadline(FieldEventRule rule, SensorAlarmState state) {
        return engineOf(rule).nextDeadline(state);
    }

    public RuleOutcome<SensorAlarmState> evaluateAt(FieldEventRule rule, SensorAlarmState state, long nowMs) {
        return engineOf(rule).evaluateAt(state, nowMs);
    }
}
