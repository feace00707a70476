package io.tocsin.rules.voting;

import static io.tocsin.rules.voting.MemberState.ALARM;
import static io.tocsin.rules.voting.MemberState.FAULT;
import static io.tocsin.rules.voting.MemberState.NORMAL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tocsin.rules.AlarmState;
import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.RuleOutcome;
import io.tocsin.rules.Severity;
import io.tocsin.rules.lifecycle.AlarmSlot;
import org.junit.jupiter.api.Test;

class ZoneVotingTest {

    private final ZoneVoting twoOutOfThree = new ZoneVoting("v1",
            new VotingRule(RuleCommon.of("gas-2oo3", Severity.RED), 2, true));
    private AlarmSlot slot;

    private RuleOutcome<AlarmSlot> vote(long t, MemberState... members) {
        RuleOutcome<AlarmSlot> out = twoOutOfThree.onMemberStates(slot, "park-1", "tank-farm-a", members, t);
        slot = out.state();
        return out;
    }

    @Test
    void oneDetectorInAlarmIsNotConfirmed_twoAre() {
        assertThat(vote(1_000, ALARM, NORMAL, NORMAL).transitions()).isEmpty();
        assertThat(vote(2_000, ALARM, ALARM, NORMAL).transitions()).singleElement().satisfies(t -> {
            assertThat(t.alarmId()).isEqualTo("park-1/tank-farm-a/gas-2oo3/1");
            assertThat(t.sensorId()).isEqualTo("tank-farm-a");
            assertThat(t.state()).isEqualTo(AlarmState.ACTIVE_UNACKNOWLEDGED);
            assertThat(t.value()).as("votes").isEqualTo(2);
            assertThat(t.threshold()).as("required").isEqualTo(2);
            assertThat(t.ruleSetVersion()).isEqualTo("v1");
        });
        assertThat(vote(3_000, ALARM, ALARM, ALARM).transitions()).isEmpty();
        assertThat(vote(4_000, NORMAL, ALARM, NORMAL).transitions()).singleElement()
                .extracting(t -> t.state()).isEqualTo(AlarmState.RETURNED_UNACKNOWLEDGED);
    }

    @Test
    void aFaultyDetectorDegrades2oo3To1oo2WhenFaultsVoteAlarm() {
        assertThat(vote(1_000, FAULT, ALARM, NORMAL).transitions()).hasSize(1);

        ZoneVoting strict = new ZoneVoting("v1", new VotingRule(RuleCommon.of("gas-2oo3", Severity.RED), 2, false));
        assertThat(strict.onMemberStates(null, "park-1", "z", new MemberState[] {FAULT, ALARM, NORMAL}, 1_000)
                .transitions()).isEmpty();
        assertThatThrownBy(() -> new VotingRule(RuleCommon.of("x", Severity.RED), 0, true))
                .hasMessageContaining("at least one vote");
    }

    @Test
    void anOnDelayAppliesToTheVoteToo() {
        ZoneVoting delayed = new ZoneVoting("v1",
                new VotingRule(RuleCommon.of("smoke-2oo2", Severity.RED).withDelays(3_000, 0), 2, true));
        RuleOutcome<AlarmSlot> first = delayed.onMemberStates(null, "p", "room-1",
                new MemberState[] {ALARM, ALARM}, 1_000);
        assertThat(first.transitions()).isEmpty();
        assertThat(delayed.nextDeadline(first.state())).isEqualTo(4_000);
        assertThat(delayed.onMemberStates(first.state(), "p", "room-1", new MemberState[] {ALARM, ALARM}, 4_000)
                .transitions()).hasSize(1);
    }
}
