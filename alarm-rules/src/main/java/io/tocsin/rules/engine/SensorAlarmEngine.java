package io.tocsin.rules.engine;

import io.tocsin.rules.AlarmRule;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.RuleOutcome;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.TransitionCause;
import io.tocsin.rules.Verdict;
import io.tocsin.rules.lifecycle.AlarmCommand;
import io.tocsin.rules.lifecycle.AlarmLifecycle;
import io.tocsin.rules.lifecycle.AlarmLifecycle.Decision;
import io.tocsin.rules.lifecycle.AlarmLifecycle.Step;
import io.tocsin.rules.lifecycle.AlarmSlot;
import io.tocsin.rules.lifecycle.SitePolicy;
import io.tocsin.rules.rate.RateOfRiseRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decides the alarms of one sensor: its rules (thresholds, rates of rise, fault, silence), each with delays,
 * flapping detection and the ISA-18.2 lifecycle, as pure functions of (state, input) -> (state, transitions).
 * Immutable and shareable; one engine serves every sensor with the same rules.
 *
 * <p>Three entry points, all deterministic (time is the reading's, or an explicit {@code now}, on the
 * sensor's clock; never the wall clock):
 * <ul>
 *   <li>{@link #onReading} for every reading of the sensor;</li>
 *   <li>{@link #evaluateAt} when time passes without readings: silence, on/off delays running out, a shelve
 *       expiring, flapping settling. Call it at {@link #nextDeadline} (a Flink timer, a scheduler);</li>
 *   <li>{@link #onCommand} for acknowledge, shelve, unshelve, suppress, unsuppress.</li>
 * </ul>
 * Every transition is exactly one {@link AlarmTransition}, with the id {@code site/sensor/rule/activation}
 * and the rule-set version. Only GOOD, finite, in-span readings decide process alarms; anything else can only
 * raise or clear a fault alarm.
 *
 * <p>Usage (e.g. on a gateway):
 * <pre>{@code
 * SensorAlarmEngine engine = ruleSet.engineFor(siteId, sensorId);
 * RuleOutcome<SensorAlarmState> out = engine.onReading(state, reading);   // state null for a new sensor
 * state = out.state(); out.transitions().forEach(station::send);
 * }</pre>
 */
public final class SensorAlarmEngine {

    private final String ruleSetVersion;
    private final AlarmRule[] rules;
    private final double spanMin;
    private final double spanMax;
    private final SitePolicy policy;
    private final long windowMs;
    private final int windowCapacity;

    /**
     * @param spanMin lowest value the sensor can measure (-Infinity for none); readings below are faults
     * @param spanMax highest value the sensor can measure (+Infinity for none)
     */
    public SensorAlarmEngine(String ruleSetVersion, List<? extends AlarmRule> rules, double spanMin, double spanMax,
            SitePolicy policy) {
        this.ruleSetVersion = Objects.requireNonNull(ruleSetVersion, "ruleSetVersion");
        this.rules = rules.toArray(new AlarmRule[0]);
        this.spanMin = spanMin;
        this.spanMax = spanMax;
        this.policy = Objects.requireNonNull(policy, "policy");
        long window = 0;
        int capacity = 0;
        for (int i = 0; i < this.rules.length; i++) {
            for (int j = 0; j < i; j++) {
                if (this.rules[i].ruleId().equals(this.rules[j].ruleId())) {
                    throw new IllegalArgumentException("two rules with id " + this.rules[i].ruleId());
                }
            }
            // Rate rules of one sensor share one sample window: the longest and largest they ask for.
            if (this.rules[i] instanceof RateOfRiseRule rate) {
                window = Math.max(window, rate.windowMs());
                capacity = Math.max(capacity, rate.maxSamples());
            }
        }
        this.windowMs = window;
        this.windowCapacity = capacity;
    }

    public String ruleSetVersion() {
        return ruleSetVersion;
    }

    public List<AlarmRule> rules() {
        return List.of(rules);
    }

    /** Whether the engine has no rules at all (the caller then need not keep state for the sensor). */
    public boolean isEmpty() {
        return rules.length == 0;
    }

    /** Whether a reading may decide a process alarm: GOOD, a finite number, inside the span. */
    public boolean usable(SensorReading r) {
        double v = r.value();
        return r.quality() == ReadingQuality.GOOD && Double.isFinite(v) && v >= spanMin && v <= spanMax;
    }

    public SensorAlarmState initialState(String siteId, String deviceId, String sensorId) {
        AlarmSlot[] slots = new AlarmSlot[rules.length];
        for (int i = 0; i < rules.length; i++) {
            slots[i] = AlarmSlot.initial(rules[i].ruleId());
        }
        return new SensorAlarmState(siteId, deviceId, sensorId, Long.MIN_VALUE,
                windowCapacity > 0 ? io.tocsin.rules.rate.SampleWindow.withCapacity(windowCapacity) : null, slots);
    }

    /**
     * Evaluates every rule on a reading. A reading older than the newest one seen is ignored (state and
     * output unchanged): it is old news, and it would run delays backwards.
     *
     * @param state the sensor's state, or null for a sensor never seen
     */
    public RuleOutcome<SensorAlarmState> onReading(SensorAlarmState state, SensorReading reading) {
        if (state == null) {
            state = initialState(reading.siteId(), reading.deviceId(), reading.sensorId());
        }
        long t = reading.timestampMs();
        if (t < state.lastReadingMs()) {
            return RuleOutcome.unchanged(state);
        }
        AlarmSlot[] slots = aligned(state);
        boolean usable = usable(reading);
        var window = state.window();
        if (window == null && windowCapacity > 0) {
            window = io.tocsin.rules.rate.SampleWindow.withCapacity(windowCapacity);
        }
        if (usable && window != null) {
            window.push(t, reading.value(), windowMs);
        }
        // The state's own string when the device is the same: a reading's strings are new objects, and keeping
        // one per sensor in long-lived state makes the garbage collector copy it (the state outlives the reading).
        String deviceId = reading.deviceId() == null || reading.deviceId().isEmpty()
                || reading.deviceId().equals(state.deviceId()) ? state.deviceId() : reading.deviceId();
        SensorAlarmState base = new SensorAlarmState(state.siteId(), deviceId, state.sensorId(), t, window, slots);
        List<AlarmTransition> out = null;
        for (int i = 0; i < rules.length; i++) {
            AlarmRule rule = rules[i];
            AlarmSlot slot = slots[i];
            boolean raw = slot.rawCondition();
            Verdict v = rule.onReading(raw, reading, usable, window);
            // The common case, checked here so that the figure for an event is only measured when needed.
            boolean settled = slot.pendingSinceMs() < 0 && (v == Verdict.ON || (v != Verdict.OFF && raw))
                    == slot.condition();
            Step step = settled ? null : AlarmLifecycle.onVerdict(slot, rule.common(), v, t,
                    v == Verdict.UNKNOWN ? slot.lastMeasured() : rule.measured(reading, window));
            if (step != null) {
                slot = step.slot();
                out = emit(out, base, rule, step, t, "", "");
            }
            if (slot.shelvedUntilMs() > 0 || slot.flapping()) {
                Step timed = AlarmLifecycle.onTime(slot, rule.common(), t);
                if (timed != null) {
                    slot = timed.slot();
                    out = emit(out, base, rule, timed, t, "", "");
                }
            }
            if (slot != slots[i]) {
                if (slots == state.slots()) {
                    slots = slots.clone();
                    base = new SensorAlarmState(base.siteId(), base.deviceId(), base.sensorId(), t, window, slots);
                }
                slots[i] = slot;
            }
        }
        return new RuleOutcome<>(base, out == null ? List.of() : out);
    }

    /**
     * What the passing of time decides at {@code nowMs} (the sensor's clock) without a new reading: a silent
     * sensor, delays running out, a shelve expiring, a flapping alarm settling. Calling it early or twice
     * changes nothing.
     */
    public RuleOutcome<SensorAlarmState> evaluateAt(SensorAlarmState state, long nowMs) {
        if (state == null || nowMs < state.lastReadingMs()) {
            return RuleOutcome.unchanged(state);
        }
        AlarmSlot[] original = aligned(state);
        AlarmSlot[] slots = original;
        List<AlarmTransition> out = null;
        for (int i = 0; i < rules.length; i++) {
            AlarmRule rule = rules[i];
            AlarmSlot slot = slots[i];
            Verdict v = rule.atTime(slot.rawCondition(), state.lastReadingMs(), nowMs);
            Step step = AlarmLifecycle.onVerdict(slot, rule.common(), v, nowMs,
                    rule.measuredAt(state.lastReadingMs(), nowMs, slot.lastMeasured()));
            if (step != null) {
                slot = step.slot();
                out = emit(out, state, rule, step, nowMs, "", "");
            }
            Step timed = AlarmLifecycle.onTime(slot, rule.common(), nowMs);
            if (timed != null) {
                slot = timed.slot();
                out = emit(out, state, rule, timed, nowMs, "", "");
            }
            if (slot != slots[i]) {
                if (slots == original) {
                    slots = slots.clone();
                }
                slots[i] = slot;
            }
        }
        if (slots == state.slots()) {
            return RuleOutcome.unchanged(state);
        }
        return new RuleOutcome<>(withSlots(state, slots), out == null ? List.of() : out);
    }

    /**
     * The earliest time (sensor clock) at which {@link #evaluateAt} may decide something; Long.MAX_VALUE when
     * only a reading or a command can change anything.
     */
    public long nextDeadline(SensorAlarmState state) {
        if (state == null) {
            return Long.MAX_VALUE;
        }
        AlarmSlot[] slots = aligned(state);
        long next = Long.MAX_VALUE;
        for (int i = 0; i < rules.length; i++) {
            AlarmSlot slot = slots[i];
            next = Math.min(next, AlarmLifecycle.nextDeadline(slot, rules[i].common()));
            if (state.lastReadingMs() != Long.MIN_VALUE) {
                next = Math.min(next, rules[i].nextTimeVerdictAt(slot.rawCondition(), state.lastReadingMs()));
            }
        }
        return next;
    }

    /**
     * Applies a person's command. Refused (state unchanged, a reason for the sender) when it makes no sense:
     * an ack of an alarm id that is not the sensor's current activation, a shelve the site policy forbids,
     * a command without who or (for shelve and suppress) why.
     *
     * @param state the sensor's state; null for a sensor never seen (only suppress and shelve then apply)
     */
    public CommandOutcome onCommand(SensorAlarmState state, AlarmCommand command) {
        if (command.actor().isBlank()) {
            return CommandOutcome.refused("a command must say who issued it", state);
        }
        if ((command.type() == AlarmCommand.Type.SHELVE || command.type() == AlarmCommand.Type.SUPPRESS)
                && command.comment().isBlank()) {
            return CommandOutcome.refused("a " + command.type() + " must say why", state);
        }
        if (state == null) {
            if (command.type() == AlarmCommand.Type.ACKNOWLEDGE) {
                return CommandOutcome.refused("unknown alarm " + command.alarmId() + ": the sensor has no alarms",
                        null);
            }
            state = initialState(command.siteId(), "", command.sensorId());
        }
        AlarmSlot[] original = aligned(state);
        AlarmSlot[] slots = original.clone();
        List<AlarmTransition> out = new ArrayList<>();
        boolean matched = false;
        for (int i = 0; i < rules.length; i++) {
            AlarmRule rule = rules[i];
            if (command.ruleId() != null && !command.ruleId().equals(rule.ruleId())) {
                continue;
            }
            matched = true;
            AlarmSlot slot = slots[i];
            if (command.type() == AlarmCommand.Type.ACKNOWLEDGE) {
                String current = AlarmTransition.idOf(state.siteId(), state.sensorId(), rule.ruleId(),
                        slot.activation());
                if (!current.equals(command.alarmId())) {
                    return CommandOutcome.refused("unknown alarm " + command.alarmId() + ": the current activation"
                            + " of this alarm is " + (slot.activation() == 0 ? "none" : current), state);
                }
            }
            Decision d = switch (command.type()) {
                case ACKNOWLEDGE -> AlarmLifecycle.acknowledge(slot);
                case SHELVE -> AlarmLifecycle.shelve(slot, rule.common().severity(), policy, command.atMs(),
                        command.untilMs());
                case UNSHELVE -> AlarmLifecycle.unshelve(slot, command.atMs());
                case SUPPRESS -> AlarmLifecycle.suppress(slot);
                case UNSUPPRESS -> AlarmLifecycle.unsuppress(slot, command.atMs());
            };
            if (!d.accepted()) {
                if (command.ruleId() == null && d.refusal().contains("already")) {
                    continue; // suppressing a sensor some of whose alarms are already suppressed
                }
                return CommandOutcome.refused(command.type() + " of " + rule.ruleId() + " on "
                        + state.siteId() + "/" + state.sensorId() + " refused: " + d.refusal(), state);
            }
            slots[i] = d.step().slot();
            emit(out, state, rule, d.step(), command.atMs(), command.actor(), command.comment());
        }
        if (!matched) {
            return CommandOutcome.refused("unknown alarm: sensor " + state.siteId() + "/" + state.sensorId()
                    + " has no rule " + command.ruleId(), state);
        }
        if (out.isEmpty()) {
            return CommandOutcome.refused(command.type() + " changed nothing", state);
        }
        return new CommandOutcome(true, null, withSlots(state, slots), out);
    }

    /** Adds the transition of a step, if it is to be annunciated. */
    private List<AlarmTransition> emit(List<AlarmTransition> out, SensorAlarmState s, AlarmRule rule, Step step,
            long t, String actor, String comment) {
        if (!step.emits()) {
            return out;
        }
        if (out == null) {
            out = new ArrayList<>(2);
        }
        out.add(transition(ruleSetVersion, s.siteId(), s.deviceId(), s.sensorId(), rule, step.slot(),
                step.cause(), t, actor, comment));
        return out;
    }

    /** One event for one step of one alarm. */
    public static AlarmTransition transition(String ruleSetVersion, String siteId, String deviceId, String sensorId,
            AlarmRule rule, AlarmSlot slot, TransitionCause cause, long t, String actor, String comment) {
        return new AlarmTransition(
                AlarmTransition.idOf(siteId, sensorId, rule.ruleId(), slot.activation()),
                siteId, deviceId, sensorId, rule.ruleId(), rule.common().severity(), slot.state(),
                slot.lastMeasured(), rule.limit(), slot.raisedAtMs(), t, slot.activation(), rule.kind(), cause,
                ruleSetVersion, actor, comment, slot.shelvedUntilMs(), slot.flapping());
    }

    private static SensorAlarmState withSlots(SensorAlarmState s, AlarmSlot[] slots) {
        return new SensorAlarmState(s.siteId(), s.deviceId(), s.sensorId(), s.lastReadingMs(), s.window(), slots);
    }

    /**
     * The state's slots in the order of this engine's rules. They differ when the rule set changed since the
     * state was written: slots follow their rule by id, new rules start from scratch, removed ones are dropped.
     */
    private AlarmSlot[] aligned(SensorAlarmState state) {
        AlarmSlot[] slots = state.slots();
        if (slots.length == rules.length) {
            boolean same = true;
            for (int i = 0; i < rules.length && same; i++) {
                String a = slots[i].ruleId();
                String b = rules[i].ruleId();
                same = a == b || a.equals(b);
            }
            if (same) {
                return slots;
            }
        }
        AlarmSlot[] result = new AlarmSlot[rules.length];
        for (int i = 0; i < rules.length; i++) {
            AlarmSlot existing = state.slot(rules[i].ruleId());
            result[i] = existing != null ? existing : AlarmSlot.initial(rules[i].ruleId());
        }
        return result;
    }
}
