package io.tocsin.rules.voting;

import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmRule;
import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Verdict;
import io.tocsin.rules.rate.SampleWindow;
import java.util.Objects;

/**
 * k out of n: a confirmed zone alarm when at least {@code required} members of a zone are in alarm (2oo3
 * gas detectors, two smoke heads in one room). Evaluated by {@link ZoneVoting} on the members' states; it
 * has no readings of its own.
 *
 * @param faultVotesAlarm whether a faulty member counts as voting alarm. True is the fail-safe degradation
 *                        of IEC 61511 practice (a 2oo3 with one detector down behaves as 1oo2): a broken
 *                        detector must not be able to prevent the confirmation.
 */
public record VotingRule(RuleCommon common, int required, boolean faultVotesAlarm) implements AlarmRule {

    public VotingRule {
        Objects.requireNonNull(common, "common");
        if (required < 1) {
            throw new IllegalArgumentException("voting rule " + common.ruleId() + " needs at least one vote");
        }
    }

    /** The vote: ON when at least {@link #required} members vote alarm. */
    public Verdict vote(MemberState[] members) {
        return votes(members) >= required ? Verdict.ON : Verdict.OFF;
    }

    public int votes(MemberState[] members) {
        int votes = 0;
        for (MemberState m : members) {
            if (m == MemberState.ALARM || (faultVotesAlarm && m == MemberState.FAULT)) {
                votes++;
            }
        }
        return votes;
    }

    @Override
    public AlarmKind kind() {
        return AlarmKind.PROCESS;
    }

    /** A zone has no readings: see {@link ZoneVoting}. */
    @Override
    public Verdict onReading(boolean conditionOn, SensorReading reading, boolean usable, SampleWindow window) {
        return Verdict.UNKNOWN;
    }

    @Override
    public double measured(SensorReading reading, SampleWindow window) {
        return Double.NaN;
    }

    @Override
    public double limit() {
        return required;
    }
}
