package io.tocsin.rules.voting;

import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.RuleOutcome;
import io.tocsin.rules.engine.SensorAlarmEngine;
import io.tocsin.rules.lifecycle.AlarmLifecycle;
import io.tocsin.rules.lifecycle.AlarmLifecycle.Step;
import io.tocsin.rules.lifecycle.AlarmSlot;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decides a zone's confirmed alarm from its members' states, with the same delays, flapping and ISA-18.2
 * lifecycle as a sensor's alarm. The alarm id is {@code site/zone/rule/activation}; the zone takes the place
 * of the sensor. Where the members' states live (a Flink operator keyed by zone, a gateway's memory) is the
 * caller's choice: call {@link #onMemberStates} whenever one of them changes.
 */
public final class ZoneVoting {

    private final String ruleSetVersion;
    private final VotingRule rule;

    public ZoneVoting(String ruleSetVersion, VotingRule rule) {
        this.ruleSetVersion = Objects.requireNonNull(ruleSetVersion, "ruleSetVersion");
        this.rule = Objects.requireNonNull(rule, "rule");
    }

    /**
     * @param slot    the zone alarm's state, or null for a zone never evaluated
     * @param members every member's current state (a member never heard of should be passed as FAULT)
     * @param nowMs   when the member states were taken
     */
    public RuleOutcome<AlarmSlot> onMemberStates(AlarmSlot slot, String siteId, String zoneId,
            MemberState[] members, long nowMs) {
        if (slot == null) {
            slot = AlarmSlot.initial(rule.ruleId());
        }
        List<AlarmTransition> out = new ArrayList<>(1);
        Step step = AlarmLifecycle.onVerdict(slot, rule.common(), rule.vote(members), nowMs, rule.votes(members));
        if (step != null) {
            slot = step.slot();
            add(out, siteId, zoneId, step, nowMs);
        }
        Step timed = AlarmLifecycle.onTime(slot, rule.common(), nowMs);
        if (timed != null) {
            slot = timed.slot();
            add(out, siteId, zoneId, timed, nowMs);
        }
        return new RuleOutcome<>(slot, out);
    }

    /** Delays and flapping need time to pass: see {@link AlarmLifecycle#nextDeadline}. */
    public long nextDeadline(AlarmSlot slot) {
        return slot == null ? Long.MAX_VALUE : AlarmLifecycle.nextDeadline(slot, rule.common());
    }

    private void add(List<AlarmTransition> out, String siteId, String zoneId, Step step, long t) {
        if (step.emits()) {
            out.add(SensorAlarmEngine.transition(ruleSetVersion, siteId, "", zoneId, rule, step.slot(),
                    step.cause(), t, "", ""));
        }
    }
}
