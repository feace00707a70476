package io.tocsin.rules.lifecycle;

import io.tocsin.rules.AlarmState;
import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.Severity;
import io.tocsin.rules.TransitionCause;
import io.tocsin.rules.Verdict;

/**
 * The ISA-18.2 alarm state machine of one {@link AlarmSlot}, plus on/off delays, flapping, shelving and
 * suppression. Pure functions: (slot, input, time) -> {@link Step} or null when nothing changed.
 *
 * <pre>
 *  NORMAL --condition on--> ACTIVE_UNACKNOWLEDGED --ack--> ACTIVE_ACKNOWLEDGED
 *     ^                          | condition off              | condition off
 *     |                          v                            v
 *     +----ack---- RETURNED_UNACKNOWLEDGED                  NORMAL
 *                  (condition on again: a new activation)
 *  any in-service state --shelve--> SHELVED --unshelve/expiry--> ACTIVE_UNACKNOWLEDGED or NORMAL
 *  any state --suppress--> SUPPRESSED --unsuppress--> ACTIVE_UNACKNOWLEDGED or NORMAL
 * </pre>
 *
 * Out of service (shelved, suppressed) the condition is still followed silently; on return to service the
 * alarm is annunciated as its condition is, with the same activation id if the condition never cleared.
 * A flapping alarm (more than {@link RuleCommon#flapMaxChanges()} changes within the window) is held active
 * and silent until no change for a whole window: holding it active is the safe side for a fire station.
 */
public final class AlarmLifecycle {

    private AlarmLifecycle() {
    }

    /**
     * A changed slot and, if the change is to be annunciated, its cause (null: a silent change such as a
     * delay starting).
     */
    public record Step(AlarmSlot slot, TransitionCause cause) {

        public boolean emits() {
            return cause != null;
        }
    }

    /** A command's result: the step taken, or why it was refused. */
    public record Decision(Step step, String refusal) {

        static Decision refused(String reason) {
            return new Decision(null, reason);
        }

        public boolean accepted() {
            return refusal == null;
        }
    }

    /**
     * Applies a rule's verdict at time {@code t}. UNKNOWN keeps the raw condition as it was (a running delay
     * goes on: the last trusted information still holds).
     *
     * @return null when nothing changed
     */
    public static Step onVerdict(AlarmSlot slot, RuleCommon rule, Verdict verdict, long t, double measured) {
        boolean raw = slot.rawCondition();
        boolean target = verdict == Verdict.ON || (verdict != Verdict.OFF && raw);
        if (target == slot.condition()) {
            return slot.pendingSinceMs() < 0 ? null : new Step(slot.withPending(-1), null);
        }
        long since = slot.pendingSinceMs() >= 0 ? slot.pendingSinceMs() : t;
        long delay = target ? rule.onDelayMs() : rule.offDelayMs();
        if (t - since >= delay) {
            return conditionChanged(slot, rule, target, t, measured);
        }
        return slot.pendingSinceMs() >= 0 ? null : new Step(slot.withPending(t), null);
    }

    private static Step conditionChanged(AlarmSlot slot, RuleCommon rule, boolean on, long t, double measured) {
        long[] changes = recordChange(slot.changeTimes(), rule, t);
        AlarmSlot n = slot.withCondition(on, changes, measured);
        if (n.outOfService()) {
            return new Step(on ? n : n.closed(), null);
        }
        if (n.flapping()) {
            return new Step(n, null);
        }
        if (isFlapping(changes, rule)) {
            n = n.withService(n.shelvedUntilMs(), n.suppressed(), true, changes);
            return new Step(n.state().isActive() ? n : n.raised(t), TransitionCause.FLAPPING_STARTED);
        }
        if (on) {
            return n.state().isActive() ? new Step(n, null) : new Step(n.raised(t), TransitionCause.CONDITION);
        }
        n = n.closed();
        return switch (n.state()) {
            case ACTIVE_UNACKNOWLEDGED -> new Step(n.withState(AlarmState.RETURNED_UNACKNOWLEDGED),
                    TransitionCause.CONDITION);
            case ACTIVE_ACKNOWLEDGED -> new Step(n.withState(AlarmState.NORMAL), TransitionCause.CONDITION);
            default -> new Step(n, null);
        };
    }

    private static long[] recordChange(long[] changes, RuleCommon rule, long t) {
        int keep = rule.flapMaxChanges() + 1;
        if (rule.flapMaxChanges() == 0) {
            return changes;
        }
        int from = Math.max(0, changes.length + 1 - keep);
        long[] next = new long[changes.length - from + 1];
        System.arraycopy(changes, from, next, 0, changes.length - from);
        next[next.length - 1] = t;
        return next;
    }

    private static boolean isFlapping(long[] changes, RuleCommon rule) {
        return rule.flapMaxChanges() > 0 && changes.length > rule.flapMaxChanges()
                && changes[changes.length - 1] - changes[0] <= rule.flapWindowMs();
    }

    /**
     * What the passing of time alone does at {@code now}: a shelve expires, a flapping alarm settles.
     *
     * @return null when nothing changed
     */
    public static Step onTime(AlarmSlot slot, RuleCommon rule, long now) {
        if (slot.shelvedUntilMs() > 0 && !slot.suppressed() && now >= slot.shelvedUntilMs()) {
            return returnToService(slot.withService(0, false, false, slot.changeTimes()), now,
                    TransitionCause.SHELVE_EXPIRED);
        }
        if (slot.flapping() && !slot.outOfService() && settlesAt(slot, rule) <= now) {
            AlarmSlot n = slot.withService(0, false, false, slot.changeTimes());
            if (n.condition()) {
                return new Step(n, TransitionCause.FLAPPING_SETTLED);
            }
            n = n.closed();
            return new Step(n.withState(n.state() == AlarmState.ACTIVE_ACKNOWLEDGED
                    ? AlarmState.NORMAL : AlarmState.RETURNED_UNACKNOWLEDGED), TransitionCause.FLAPPING_SETTLED);
        }
        return null;
    }

    private static long settlesAt(AlarmSlot slot, RuleCommon rule) {
        long[] c = slot.changeTimes();
        return c.length == 0 ? Long.MIN_VALUE : c[c.length - 1] + rule.flapWindowMs();
    }

    /** The earliest time at which {@link #onVerdict} (delays) or {@link #onTime} may change the slot. */
    public static long nextDeadline(AlarmSlot slot, RuleCommon rule) {
        long next = Long.MAX_VALUE;
        if (slot.pendingSinceMs() >= 0) {
            next = slot.pendingSinceMs() + (slot.condition() ? rule.offDelayMs() : rule.onDelayMs());
        }
        if (slot.shelvedUntilMs() > 0 && !slot.suppressed()) {
            next = Math.min(next, slot.shelvedUntilMs());
        }
        if (slot.flapping() && !slot.outOfService()) {
            next = Math.min(next, settlesAt(slot, rule));
        }
        return next;
    }

    private static Step returnToService(AlarmSlot slot, long t, TransitionCause cause) {
        AlarmSlot n = slot.withService(0, false, false, new long[0]);
        if (n.condition()) {
            return new Step(n.raised(t), cause);
        }
        return new Step(n.closed().withState(AlarmState.NORMAL), cause);
    }

    public static Decision acknowledge(AlarmSlot slot) {
        return switch (slot.state()) {
            case ACTIVE_UNACKNOWLEDGED -> new Decision(
                    new Step(slot.withState(AlarmState.ACTIVE_ACKNOWLEDGED), TransitionCause.ACKNOWLEDGE), null);
            case RETURNED_UNACKNOWLEDGED -> new Decision(
                    new Step(slot.withState(AlarmState.NORMAL), TransitionCause.ACKNOWLEDGE), null);
            default -> Decision.refused("the alarm is " + slot.state() + ": nothing to acknowledge");
        };
    }

    public static Decision shelve(AlarmSlot slot, Severity severity, SitePolicy policy, long now, long until) {
        if (slot.suppressed()) {
            return Decision.refused("the alarm is suppressed for maintenance; unsuppress it first");
        }
        if (severity == Severity.RED && !policy.allowShelvingRed()) {
            return Decision.refused("the site policy forbids shelving RED alarms");
        }
        if (until <= now) {
            return Decision.refused("the shelve must expire after now (" + now + "), not at " + until);
        }
        if (until - now > policy.maxShelveMs()) {
            return Decision.refused("the site allows shelving for at most " + policy.maxShelveMs() + " ms");
        }
        AlarmSlot n = slot.withService(until, false, slot.flapping(), slot.changeTimes());
        return new Decision(new Step(n.withState(AlarmState.SHELVED), TransitionCause.SHELVE), null);
    }

    public static Decision unshelve(AlarmSlot slot, long now) {
        if (slot.shelvedUntilMs() == 0 || slot.suppressed()) {
            return Decision.refused("the alarm is not shelved (it is " + slot.state() + ")");
        }
        return new Decision(returnToService(slot, now, TransitionCause.UNSHELVE), null);
    }

    public static Decision suppress(AlarmSlot slot) {
        if (slot.suppressed()) {
            return Decision.refused("the alarm is already suppressed");
        }
        AlarmSlot n = slot.withService(0, true, slot.flapping(), slot.changeTimes());
        return new Decision(new Step(n.withState(AlarmState.SUPPRESSED), TransitionCause.SUPPRESS), null);
    }

    public static Decision unsuppress(AlarmSlot slot, long now) {
        if (!slot.suppressed()) {
            return Decision.refused("the alarm is not suppressed (it is " + slot.state() + ")");
        }
        return new Decision(returnToService(slot, now, TransitionCause.UNSUPPRESS), null);
    }
}
