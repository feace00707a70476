package io.tocsin.jobs.alarms;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.rules.AlarmState;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.config.RuleFileLoader;
import io.tocsin.rules.engine.SensorAlarmEngine;
import io.tocsin.rules.engine.SensorAlarmState;
import io.tocsin.rules.lifecycle.AlarmCommand;
import io.tocsin.rules.lifecycle.AlarmSlot;
import io.tocsin.rules.rate.SampleWindow;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * Flink's serializer checks (copy, serialize alone and in sequence, serialized copy, snapshot, restore and
 * compatibility, duplicate, Java serialisation) on states with and without a sample window, flapping history, a
 * shelve, nulls and non-ASCII ids; plus what the job relies on: every field survives, a copy shares what never
 * changes and copies the window the engine changes in place, and {@code TypeInformation.of} picks this serializer.
 */
class SensorRuleStateSerializerTest extends SerializerTestBase<SensorRuleState> {

    /** A state with every part filled: a sample window, a slot with flapping history, a shelved slot. */
    private static SensorAlarmState busyState() {
        SensorAlarmEngine engine = RuleFileLoader.loadDefault().engineFor("example-plant", "gas-tank-07");
        SensorAlarmState state = null;
        for (int i = 0; i < 40; i++) {
            state = engine.onReading(state, new SensorReading("example-plant", "gw-1", "gas-tank-07", 1_000L * i,
                    i % 2 == 0 ? 40 : 1, ReadingQuality.GOOD)).state();
        }
        state = engine.onCommand(state, AlarmCommand.shelve("example-plant", "gas-tank-07", "gas-fault", "li", 50_000,
                90_000, "test")).state();
        // The shipped rules do not detect flapping on this sensor: give its first slot a flapping history by hand.
        AlarmSlot[] slots = state.slots().clone();
        AlarmSlot s = slots[0];
        slots[0] = new AlarmSlot(s.ruleId(), s.condition(), s.pendingSinceMs(), s.state(), s.activation(),
                s.activationOpen(), s.raisedAtMs(), s.shelvedUntilMs(), s.suppressed(), true,
                new long[] {10_000, 20_000, 30_000}, s.lastMeasured());
        return new SensorAlarmState(state.siteId(), state.deviceId(), state.sensorId(), state.lastReadingMs(),
                state.window(), slots);
    }

    @Override
    protected TypeSerializer<SensorRuleState> createSerializer() {
        return new SensorRuleStateSerializer();
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<SensorRuleState> getTypeClass() {
        return SensorRuleState.class;
    }

    @Override
    protected SensorRuleState[] getTestData() {
        SensorAlarmState plain = new SensorAlarmState("usine-é", "", "détecteur-ß-东京-🔥", Long.MIN_VALUE, null,
                new AlarmSlot[] {AlarmSlot.initial("gas-high-1")});
        return new SensorRuleState[] {
                new SensorRuleState(busyState(), new SensorClock(39_000, 1_790_000_000_000L, 1_790_000_060_000L)),
                new SensorRuleState(plain, new SensorClock(Long.MIN_VALUE, 0, SensorClock.NO_TIMER)),
                new SensorRuleState(new SensorAlarmState("s", null, "x", 0, null, new AlarmSlot[0]), null),
                new SensorRuleState(null, new SensorClock(1, 2, 3)),
                new SensorRuleState(null, null),
        };
    }

    @Test
    void everyFieldOfTheEngineStateSurvivesIncludingTheWindowsRunningSums() throws IOException {
        SensorRuleState state = new SensorRuleState(busyState(), new SensorClock(39_000, 5, 6));

        SensorRuleState back = roundTrip(state);

        assertThat(back).isEqualTo(state);
        SampleWindow a = state.alarms().window();
        SampleWindow b = back.alarms().window();
        // SampleWindow.equals compares the samples only; the fit's sums and bookkeeping must come back too.
        assertThat(new Object[] {b.getHead(), b.getSize(), b.getPushesSinceRecompute(), b.getBaseMs(), b.getSumX(),
                b.getSumY(), b.getSumXX(), b.getSumXY(), b.slopePerMinute()})
                .containsExactly(a.getHead(), a.getSize(), a.getPushesSinceRecompute(), a.getBaseMs(), a.getSumX(),
                        a.getSumY(), a.getSumXX(), a.getSumXY(), a.slopePerMinute());
        assertThat(back.alarms().slot("gas-fault").shelvedUntilMs()).isEqualTo(90_000);
        assertThat(back.alarms().slots()[0].changeTimes()).containsExactly(10_000, 20_000, 30_000);
        assertThat(back.alarms().slots()[0].flapping()).isTrue();
    }

    @Test
    void aCopySharesWhatNeverChangesAndCopiesTheWindowTheEngineChangesInPlace() {
        SensorRuleState state = new SensorRuleState(busyState(), new SensorClock(39_000, 5, 6));
        SampleWindow before = state.alarms().window().copy();

        SensorRuleState copy = new SensorRuleStateSerializer().copy(state);
        copy.alarms().window().push(40_000, 99, 60_000);

        assertThat(copy.alarms().slots()).isSameAs(state.alarms().slots());
        assertThat(copy.clock()).isSameAs(state.clock());
        assertThat(copy.alarms().window()).isNotSameAs(state.alarms().window());
        assertThat(state.alarms().window()).isEqualTo(before);
        assertThat(copy.alarms().window()).isNotEqualTo(before);
    }

    @Test
    void aStateWithoutAWindowIsItsOwnCopy() {
        SensorRuleState state = new SensorRuleState(new SensorAlarmState("s", "d", "x", 1, null,
                new AlarmSlot[] {AlarmSlot.initial("r")}), new SensorClock(1, 2, 3));

        assertThat(new SensorRuleStateSerializer().copy(state)).isSameAs(state);
    }

    /** The serializer names every field by hand: a field added to one of these records must be added there too. */
    @Test
    void theRecordsHaveTheFieldsTheSerializerWrites() {
        assertThat(SensorRuleState.class.getRecordComponents()).hasSize(2);
        assertThat(SensorAlarmState.class.getRecordComponents()).hasSize(6);
        assertThat(AlarmSlot.class.getRecordComponents()).hasSize(12);
        assertThat(SensorClock.class.getRecordComponents()).hasSize(3);
        assertThat(Arrays.stream(SampleWindow.class.getDeclaredFields())
                .filter(f -> !Modifier.isStatic(f.getModifiers())).map(Field::getName))
                .containsExactlyInAnyOrder("times", "values", "head", "size", "pushesSinceRecompute", "baseMs", "sumX",
                        "sumY", "sumXX", "sumXY");
    }

    @Test
    void alarmStatesAreWrittenByOrdinalSoTheirOrderIsPartOfTheFormat() {
        assertThat(AlarmState.values()).containsExactly(AlarmState.NORMAL, AlarmState.ACTIVE_UNACKNOWLEDGED,
                AlarmState.ACTIVE_ACKNOWLEDGED, AlarmState.RETURNED_UNACKNOWLEDGED, AlarmState.SHELVED,
                AlarmState.SUPPRESSED);
    }

    @Test
    void typeInformationOfTheRecordIsThisSerializerNotThePojoOne() {
        TypeInformation<SensorRuleState> info = TypeInformation.of(SensorRuleState.class);

        assertThat(info).isEqualTo(SensorRuleStateTypeInfo.INSTANCE);
        assertThat(info.createSerializer(new ExecutionConfig().getSerializerConfig()))
                .isInstanceOf(SensorRuleStateSerializer.class);
    }

    private static SensorRuleState roundTrip(SensorRuleState state) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        new SensorRuleStateSerializer().serialize(state, out);
        return new SensorRuleStateSerializer().deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }
}
