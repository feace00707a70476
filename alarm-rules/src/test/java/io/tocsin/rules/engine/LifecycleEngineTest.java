package io.tocsin.rules.engine;

import static io.tocsin.rules.AlarmState.ACTIVE_ACKNOWLEDGED;
import static io.tocsin.rules.AlarmState.ACTIVE_UNACKNOWLEDGED;
import static io.tocsin.rules.AlarmState.NORMAL;
import static io.tocsin.rules.AlarmState.RETURNED_UNACKNOWLEDGED;
import static io.tocsin.rules.AlarmState.SHELVED;
import static io.tocsin.rules.AlarmState.SUPPRESSED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.Severity;
import io.tocsin.rules.TransitionCause;
import io.tocsin.rules.lifecycle.AlarmCommand;
import io.tocsin.rules.lifecycle.SitePolicy;
import io.tocsin.rules.threshold.ThresholdRule;
import org.junit.jupiter.api.Test;

class LifecycleEngineTest {

    private static final String ID1 = "park-1/gas-03/gas-high-1/1";

    private static Sensor sensor(SitePolicy policy, Severity severity) {
        return new Sensor(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, policy,
                ThresholdRule.high(RuleCommon.of("gas-high-1", severity), 25),
                ThresholdRule.high(RuleCommon.of("gas-high-2", Severity.RED), 50));
    }

    private final Sensor s = sensor(SitePolicy.DEFAULT, Severity.ORANGE);

    @Test
    void acknowledgedThenReturnedGoesToNormal() {
        s.read(1_000, 30);
        CommandOutcome ack = s.command(AlarmCommand.acknowledge(ID1, "duty-officer-li", 2_000, "crew sent"));

        assertThat(ack.accepted()).isTrue();
        assertThat(ack.transitions()).singleElement().satisfies(t -> {
            assertThat(t.alarmId()).isEqualTo(ID1);
            assertThat(t.state()).isEqualTo(ACTIVE_ACKNOWLEDGED);
            assertThat(t.cause()).isEqualTo(TransitionCause.ACKNOWLEDGE);
            assertThat(t.actor()).isEqualTo("duty-officer-li");
            assertThat(t.comment()).isEqualTo("crew sent");
            assertThat(t.eventTimeMs()).isEqualTo(2_000);
            assertThat(t.raisedAtMs()).isEqualTo(1_000);
        });
        assertThat(s.read(3_000, 10)).extracting(AlarmTransition::state).containsExactly(NORMAL);
    }

    @Test
    void returnedThenAcknowledgedGoesToNormal_andRaisingAgainIsANewActivation() {
        s.read(1_000, 30);
        s.read(2_000, 10);
        assertThat(s.command(AlarmCommand.acknowledge(ID1, "li", 3_000, "")).transitions())
                .extracting(AlarmTransition::state).containsExactly(NORMAL);
        assertThat(s.read(4_000, 30)).extracting(AlarmTransition::alarmId)
                .containsExactly("park-1/gas-03/gas-high-1/2");
    }

    @Test
    void returnedUnacknowledgedRaisedAgainIsANewUnacknowledgedActivation() {
        s.read(1_000, 30);
        s.read(2_000, 10);
        assertThat(s.read(3_000, 30)).extracting(AlarmTransition::alarmId, AlarmTransition::state)
                .containsExactly(tuple("park-1/gas-03/gas-high-1/2", ACTIVE_UNACKNOWLEDGED));
    }

    @Test
    void invalidAcknowledgementsAreRefusedWithAReason() {
        assertThat(s.command(AlarmCommand.acknowledge(ID1, "li", 1, "")).refusal())
                .contains("unknown alarm").contains("no alarms");
        s.read(1_000, 30);
        s.read(2_000, 10);
        s.read(3_000, 30);
        assertThat(s.command(AlarmCommand.acknowledge(ID1, "li", 4_000, "")).refusal())
                .as("an ack of an activation replaced by a newer one")
                .contains("unknown alarm " + ID1).contains("park-1/gas-03/gas-high-1/2");
        assertThat(s.command(AlarmCommand.acknowledge("park-1/gas-03/nope/1", "li", 4_000, "")).refusal())
                .contains("has no rule nope");
        assertThat(s.command(AlarmCommand.acknowledge("park-1/gas-03/gas-high-1/2", " ", 4_000, "")).refusal())
                .contains("who");
        s.command(AlarmCommand.acknowledge("park-1/gas-03/gas-high-1/2", "li", 4_000, ""));
        assertThat(s.command(AlarmCommand.acknowledge("park-1/gas-03/gas-high-1/2", "li", 5_000, "")).refusal())
                .contains("nothing to acknowledge");
        assertThat(s.lastCommand.state()).isSameAs(s.state);
        assertThatThrownBy(() -> AlarmCommand.acknowledge("park-1/gas-03", "li", 1, ""))
                .hasMessageContaining("site/sensor/rule/activation");
        assertThat(s.engine.onCommand(null, AlarmCommand.acknowledge(ID1, "li", 1, "")).accepted()).isFalse();
    }

    @Test
    void aShelvedAlarmIsSilentUntilItExpiresThenAnnouncedAsItsConditionIs() {
        s.read(1_000, 30);
        CommandOutcome shelve = s.command(AlarmCommand.shelve("park-1", "gas-03", "gas-high-1", "li", 2_000,
                62_000, "known leak, repair crew on site"));

        assertThat(shelve.transitions()).singleElement().satisfies(t -> {
            assertThat(t.state()).isEqualTo(SHELVED);
            assertThat(t.shelvedUntilMs()).isEqualTo(62_000);
            assertThat(t.alarmId()).isEqualTo(ID1);
            assertThat(t.comment()).isEqualTo("known leak, repair crew on site");
        });
        assertThat(s.read(3_000, 10)).isEmpty();
        assertThat(s.read(4_000, 35)).isEmpty();
        assertThat(s.engine.nextDeadline(s.state)).isEqualTo(62_000);
        assertThat(s.at(62_000)).singleElement().satisfies(t -> {
            assertThat(t.cause()).isEqualTo(TransitionCause.SHELVE_EXPIRED);
            assertThat(t.state()).isEqualTo(ACTIVE_UNACKNOWLEDGED);
            assertThat(t.alarmId()).as("the condition cleared while shelved: a new activation")
                    .isEqualTo("park-1/gas-03/gas-high-1/2");
        });
    }

    @Test
    void unshelvingAnAlarmWhoseConditionNeverClearedKeepsItsId() {
        s.read(1_000, 30);
        s.command(AlarmCommand.shelve("park-1", "gas-03", "gas-high-1", "li", 2_000, 62_000, "nuisance"));
        assertThat(s.command(AlarmCommand.unshelve("park-1", "gas-03", "gas-high-1", "li", 3_000, "")).transitions())
                .extracting(AlarmTransition::alarmId, AlarmTransition::state, AlarmTransition::cause)
                .containsExactly(tuple(ID1, ACTIVE_UNACKNOWLEDGED, TransitionCause.UNSHELVE));
        assertThat(s.command(AlarmCommand.unshelve("park-1", "gas-03", "gas-high-1", "li", 4_000, "")).refusal())
                .contains("not shelved");
    }

    @Test
    void shelvingIsRefusedWhenThePolicyForbidsItOrItHasNoReason() {
        Sensor red = sensor(SitePolicy.DEFAULT, Severity.RED);
        red.read(1_000, 30);

        assertThat(red.command(AlarmCommand.shelve("park-1", "gas-03", "gas-high-1", "li", 2_000, 9_000, "x"))
                .refusal()).contains("forbids shelving RED");
        assertThat(red.command(AlarmCommand.shelve("park-1", "gas-03", "gas-high-1", "li", 2_000, 9_000, ""))
                .refusal()).contains("why");
        assertThat(s.command(AlarmCommand.shelve("park-1", "gas-03", "gas-high-1", "li", 2_000, 1_000, "x"))
                .refusal()).contains("expire after now");
        assertThat(s.command(AlarmCommand.shelve("park-1", "gas-03", "gas-high-1", "li", 0, 9 * 3_600_000L, "x"))
                .refusal()).contains("at most");

        Sensor lenient = sensor(new SitePolicy(true, 3_600_000), Severity.RED);
        assertThat(lenient.command(AlarmCommand.shelve("park-1", "gas-03", "gas-high-1", "li", 2_000, 9_000, "x"))
                .accepted()).isTrue();
        assertThat(red.events).extracting(AlarmTransition::state).containsExactly(ACTIVE_UNACKNOWLEDGED);
    }

    @Test
    void suppressingASensorForMaintenanceSilencesEveryRuleUntilUnsuppressed() {
        CommandOutcome suppress = s.command(AlarmCommand.suppress("park-1", "gas-03", "maint-wang", 1_000,
                "detector calibration"));

        assertThat(suppress.transitions()).extracting(AlarmTransition::ruleId, AlarmTransition::state)
                .containsExactly(tuple("gas-high-1", SUPPRESSED), tuple("gas-high-2", SUPPRESSED));
        assertThat(s.read(2_000, 60)).as("calibration gas").isEmpty();
        assertThat(s.command(AlarmCommand.shelve("park-1", "gas-03", "gas-high-1", "li", 2_500, 9_000, "x"))
                .refusal()).contains("suppressed");
        assertThat(s.command(AlarmCommand.unsuppress("park-1", "gas-03", "maint-wang", 3_000, "done"))
                .transitions()).extracting(AlarmTransition::alarmId, AlarmTransition::state)
                .containsExactly(tuple("park-1/gas-03/gas-high-1/1", ACTIVE_UNACKNOWLEDGED),
                        tuple("park-1/gas-03/gas-high-2/1", ACTIVE_UNACKNOWLEDGED));
        assertThat(s.command(AlarmCommand.unsuppress("park-1", "gas-03", "maint-wang", 4_000, "")).refusal())
                .contains("not suppressed");
    }

    @Test
    void aFlappingAlarmIsHeldActiveAndSilentUntilItSettles() {
        Sensor f = new Sensor(ThresholdRule.high(RuleCommon.of("gas-high-1", Severity.ORANGE)
                .withFlapping(4, 60_000), 25));
        // on, off, on, off: 4 changes, then the fifth within the window starts flapping
        f.read(1_000, 30);
        f.read(2_000, 10);
        f.read(3_000, 30);
        f.read(4_000, 10);
        assertThat(f.read(5_000, 30)).singleElement().satisfies(t -> {
            assertThat(t.cause()).isEqualTo(TransitionCause.FLAPPING_STARTED);
            assertThat(t.flapping()).isTrue();
            assertThat(t.state()).isEqualTo(ACTIVE_UNACKNOWLEDGED);
        });
        for (long t = 6_000; t < 20_000; t += 1_000) {
            assertThat(f.read(t, t % 2000 == 0 ? 10 : 30)).as("held at %d", t).isEmpty();
        }
        f.read(20_000, 10);   // last change at 20 s
        assertThat(f.engine.nextDeadline(f.state)).isEqualTo(80_000);
        assertThat(f.at(79_999)).isEmpty();
        assertThat(f.at(80_000)).singleElement().satisfies(t -> {
            assertThat(t.cause()).isEqualTo(TransitionCause.FLAPPING_SETTLED);
            assertThat(t.flapping()).isFalse();
            assertThat(t.state()).isEqualTo(RETURNED_UNACKNOWLEDGED);
            assertThat(t.alarmId()).as("one activation for the whole flapping episode")
                    .isEqualTo("park-1/gas-03/gas-high-1/3");
        });
    }
}
