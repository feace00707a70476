package io.tocsin.rules.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.RuleOutcome;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Severity;
import io.tocsin.rules.engine.SensorAlarmState;
import io.tocsin.rules.lifecycle.AlarmCommand;
import io.tocsin.rules.lifecycle.SitePolicy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FieldEventAlarmsTest {

    private final FieldEventAlarms alarms = new FieldEventAlarms("v7", SitePolicy.DEFAULT);

    private static SensorReading event(String sensor, long t, double value) {
        return new SensorReading("park-1", "gw-1", sensor, t, value, ReadingQuality.GOOD);
    }

    /** Feeds events of one point and kind; returns every transition. */
    private List<AlarmTransition> run(FieldEvent kind, String sensor, double... values) {
        SensorAlarmState state = null;
        List<AlarmTransition> out = new ArrayList<>();
        long t = 1_000;
        for (double v : values) {
            RuleOutcome<SensorAlarmState> o = alarms.onEvent(state, FieldEventAlarms.effectOf(kind, v),
                    event(sensor, t += 1_000, v));
            state = o.state();
            out.addAll(o.transitions());
        }
        return out;
    }

    @Test
    void unitsNameTheKindsCaseInsensitivelyAndAnUnknownKindIsNone() {
        assertThat(FieldEvent.ofUnit("event:fire")).contains(FieldEvent.FIRE);
        assertThat(FieldEvent.ofUnit("event:OFFLINE")).contains(FieldEvent.OFFLINE);
        assertThat(FieldEvent.ofUnit("event:smoke")).isEmpty();
        assertThat(FieldEvent.isEventUnit("event:smoke")).isTrue();
        assertThat(FieldEvent.ofUnit("%LEL")).isEmpty();
        assertThat(FieldEvent.isEventUnit("%LEL")).isFalse();
        assertThat(FieldEvent.FIRE.unit()).isEqualTo("event:fire");
    }

    @Test
    void aFireRaisesARedProcessAlarmThatItsClearReturnsAndTheNextFireIsANewActivation() {
        List<AlarmTransition> ts = run(FieldEvent.FIRE, "zone-3", 1, 1, 0, 1);
        assertThat(ts).extracting(AlarmTransition::alarmId, AlarmTransition::state)
                .containsExactly(
                        tuple("park-1/zone-3/event-fire/1", AlarmState.ACTIVE_UNACKNOWLEDGED),
                        tuple("park-1/zone-3/event-fire/1", AlarmState.RETURNED_UNACKNOWLEDGED),
                        tuple("park-1/zone-3/event-fire/2", AlarmState.ACTIVE_UNACKNOWLEDGED));
        assertThat(ts.get(0)).satisfies(t -> {
            assertThat(t.kind()).isEqualTo(AlarmKind.PROCESS);
            assertThat(t.severity()).isEqualTo(Severity.RED);
            assertThat(t.ruleSetVersion()).isEqualTo("v7");
            assertThat(t.deviceId()).isEqualTo("gw-1");
        });
        assertThat(run(FieldEvent.FIRE, "zone-3", 1, 1, 0, 1)).as("a replay gives the same ids").isEqualTo(ts);
    }

    @Test
    void faultsAndOfflineDevicesAreYellowFaultsAndOnlineClearsOffline() {
        assertThat(run(FieldEvent.FAULT, "loop-1/12", 1)).extracting(AlarmTransition::alarmId,
                AlarmTransition::kind, AlarmTransition::severity)
                .containsExactly(tuple("park-1/loop-1/12/event-fault/1", AlarmKind.FAULT, Severity.YELLOW));

        SensorAlarmState s = alarms.onEvent(null, FieldEventAlarms.effectOf(FieldEvent.OFFLINE, 1),
                event("plc-1", 1_000, 1)).state();
        RuleOutcome<SensorAlarmState> online = alarms.onEvent(s, FieldEventAlarms.effectOf(FieldEvent.ONLINE, 1),
                event("plc-1", 2_000, 1));
        assertThat(online.transitions()).extracting(AlarmTransition::alarmId, AlarmTransition::state,
                        AlarmTransition::kind, AlarmTransition::severity)
                .containsExactly(tuple("park-1/plc-1/event-offline/1", AlarmState.RETURNED_UNACKNOWLEDGED,
                        AlarmKind.FAULT, Severity.YELLOW));
    }

    @Test
    void resetAndLocalAlarmsRaiseNothingOfTheirOwnAndAResetReturnsAFire() {
        assertThat(FieldEventAlarms.effectOf(FieldEvent.RESET, 1)).isNull();
        assertThat(FieldEventAlarms.effectOf(FieldEvent.ALARM, 1)).isNull();

        SensorAlarmState fire = alarms.onEvent(null, FieldEventAlarms.effectOf(FieldEvent.FIRE, 1),
                event("zone-3", 1_000, 1)).state();
        RuleOutcome<SensorAlarmState> reset = alarms.reset(FieldEventAlarms.FIRE, fire, 500);
        assertThat(reset.transitions()).extracting(AlarmTransition::state, AlarmTransition::eventTimeMs)
                .as("a reset older than the fire (two clocks) counts at the fire's time")
                .containsExactly(tuple(AlarmState.RETURNED_UNACKNOWLEDGED, 1_000L));
    }

    @Test
    void anAcknowledgeNamesTheActivation() {
        SensorAlarmState fire = alarms.onEvent(null, FieldEventAlarms.effectOf(FieldEvent.FIRE, 1),
                event("zone-3", 1_000, 1)).state();
        var ack = alarms.onCommand(FieldEventAlarms.FIRE, fire,
                AlarmCommand.acknowledge("park-1/zone-3/event-fire/1", "li", 2_000, ""));
        assertThat(ack.accepted()).isTrue();
        assertThat(ack.transitions()).extracting(AlarmTransition::state)
                .containsExactly(AlarmState.ACTIVE_ACKNOWLEDGED);
        assertThat(FieldEventAlarms.ruleOf("event-fire")).isSameAs(FieldEventAlarms.FIRE);
        assertThat(FieldEventAlarms.isFieldEventRuleId("event-smoke")).isTrue();
        assertThat(FieldEventAlarms.isFieldEventRuleId("gas-high")).isFalse();
    }
}
