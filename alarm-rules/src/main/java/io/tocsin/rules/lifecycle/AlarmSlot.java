package io.tocsin.rules.lifecycle;

import io.tocsin.rules.AlarmState;
import java.util.Arrays;
import java.util.Objects;

/**
 * What the engine remembers about one alarm (one rule on one sensor, or one zone vote) between evaluations.
 * Immutable: every change is a new slot, and most evaluations change nothing.
 *
 * @param ruleId         the rule this slot belongs to (slots follow rules by id when a rule set changes)
 * @param condition      the alarm condition after on/off delays
 * @param pendingSinceMs since when the rule's raw condition differs from {@code condition} (a delay is
 *                       running); -1 when it does not
 * @param state          the ISA-18.2 state annunciated to people
 * @param activation     number of the current (or last) activation; 0 before the first
 * @param activationOpen the current activation has not ended yet (its condition has not cleared since it was
 *                       raised): returning to service while it is open re-annunciates the same id
 * @param raisedAtMs     when the current (or last) activation was raised
 * @param shelvedUntilMs shelved until then; 0 when not shelved
 * @param suppressed     suppressed for maintenance
 * @param flapping       too many condition changes: held active until it settles
 * @param changeTimes    times of the last condition changes, oldest first (for flapping detection); empty
 *                       when the rule does not detect flapping
 * @param lastMeasured   the last figure the rule measured, for events caused by commands or time
 */
public record AlarmSlot(
        String ruleId,
        boolean condition,
        long pendingSinceMs,
        AlarmState state,
        long activation,
        boolean activationOpen,
        long raisedAtMs,
        long shelvedUntilMs,
        boolean suppressed,
        boolean flapping,
        long[] changeTimes,
        double lastMeasured) {

    private static final long[] NO_CHANGES = new long[0];

    public AlarmSlot {
        Objects.requireNonNull(ruleId, "ruleId");
        Objects.requireNonNull(state, "state");
        changeTimes = changeTimes == null ? NO_CHANGES : changeTimes;
    }

    /** An alarm that has never been raised. */
    public static AlarmSlot initial(String ruleId) {
        return new AlarmSlot(ruleId, false, -1, AlarmState.NORMAL, 0, false, 0, 0, false, false, NO_CHANGES,
                Double.NaN);
    }

    /** Whether the rule's raw condition is on (the debounced condition, unless a delay is running). */
    public boolean rawCondition() {
        return pendingSinceMs >= 0 != condition;
    }

    public boolean outOfService() {
        return suppressed || shelvedUntilMs > 0;
    }

    AlarmSlot withPending(long since) {
        return new AlarmSlot(ruleId, condition, since, state, activation, activationOpen, raisedAtMs,
                shelvedUntilMs, suppressed, flapping, changeTimes, lastMeasured);
    }

    AlarmSlot withCondition(boolean on, long[] changes, double measured) {
        return new AlarmSlot(ruleId, on, -1, state, activation, activationOpen, raisedAtMs, shelvedUntilMs,
                suppressed, flapping, changes, measured);
    }

    AlarmSlot withState(AlarmState s) {
        return new AlarmSlot(ruleId, condition, pendingSinceMs, s, activation, activationOpen, raisedAtMs,
                shelvedUntilMs, suppressed, flapping, changeTimes, lastMeasured);
    }

    AlarmSlot closed() {
        return new AlarmSlot(ruleId, condition, pendingSinceMs, state, activation, false, raisedAtMs,
                shelvedUntilMs, suppressed, flapping, changeTimes, lastMeasured);
    }

    /** Annunciated active; a new activation unless the current one is still open. */
    AlarmSlot raised(long t) {
        boolean fresh = !activationOpen;
        return new AlarmSlot(ruleId, condition, pendingSinceMs, AlarmState.ACTIVE_UNACKNOWLEDGED,
                fresh ? activation + 1 : activation, true, fresh ? t : raisedAtMs, shelvedUntilMs, suppressed,
                flapping, changeTimes, lastMeasured);
    }

    AlarmSlot withService(long shelvedUntil, boolean suppress, boolean flap, long[] changes) {
        return new AlarmSlot(ruleId, condition, pendingSinceMs, state, activation, activationOpen, raisedAtMs,
                shelvedUntil, suppress, flap, changes, lastMeasured);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AlarmSlot s
                && ruleId.equals(s.ruleId) && condition == s.condition && pendingSinceMs == s.pendingSinceMs
                && state == s.state && activation == s.activation && activationOpen == s.activationOpen
                && raisedAtMs == s.raisedAtMs && shelvedUntilMs == s.shelvedUntilMs
                && suppressed == s.suppressed && flapping == s.flapping
                && Arrays.equals(changeTimes, s.changeTimes)
                && Double.compare(lastMeasured, s.lastMeasured) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(ruleId, condition, state, activation, raisedAtMs, shelvedUntilMs);
    }

    @Override
    public String toString() {
        return "AlarmSlot[" + ruleId + " condition=" + condition + " pendingSince=" + pendingSinceMs + " "
                + state + " #" + activation + (activationOpen ? " open" : "") + " raisedAt=" + raisedAtMs
                + (shelvedUntilMs > 0 ? " shelvedUntil=" + shelvedUntilMs : "")
                + (suppressed ? " suppressed" : "") + (flapping ? " flapping" : "") + "]";
    }
}
