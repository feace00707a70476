package io.tocsin.jobs.alarms;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.config.RuleFileLoader;
import io.tocsin.rules.engine.SensorAlarmEngine;
import io.tocsin.rules.engine.SensorAlarmState;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.PojoField;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint of the rules stage's map state written with Flink's POJO serializer (before
 * {@link SensorRuleStateSerializer}) restores into the hand-written serializer, through Flink's own restore path
 * (heap backend of the operator harness): an upgrade keeps every sensor's alarm state instead of refusing to start.
 */
class SensorRuleStateMigrationTest {

    private static final String STATE = EvaluateAlarmRules.STATE_NAME;

    /** Puts the element's state under sensor "gas-01" of its key, or, for a null state, emits what is stored. */
    private static final class MapStateHolder extends KeyedProcessFunction<String, SensorRuleState, SensorRuleState> {
        private final TypeInformation<SensorRuleState> type;
        private transient MapState<String, SensorRuleState> sensors;

        MapStateHolder(TypeInformation<SensorRuleState> type) {
            this.type = type;
        }

        @Override
        public void open(OpenContext openContext) {
            sensors = getRuntimeContext().getMapState(new MapStateDescriptor<>(STATE, Types.STRING, type));
        }

        @Override
        public void processElement(SensorRuleState value, Context ctx, Collector<SensorRuleState> out)
                throws Exception {
            if (value.alarms() != null) {
                sensors.put("gas-01", value);
            } else {
                out.collect(sensors.get("gas-01"));
            }
        }
    }

    /** The type the rules stage's state had before: Flink's POJO serializer over the record's two fields. */
    private static TypeInformation<SensorRuleState> pojoType() throws NoSuchFieldException {
        return new PojoTypeInfo<>(SensorRuleState.class, List.of(
                new PojoField(SensorRuleState.class.getDeclaredField("alarms"),
                        TypeInformation.of(SensorAlarmState.class)),
                new PojoField(SensorRuleState.class.getDeclaredField("clock"), TypeInformation.of(SensorClock.class))));
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, SensorRuleState, SensorRuleState> harness(
            TypeInformation<SensorRuleState> type) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new MapStateHolder(type)),
                state -> "park-1", Types.STRING);
    }

    @Test
    void aCheckpointOfThePojoFormatRestoresIntoTheHandWrittenSerializer() throws Exception {
        SensorAlarmEngine engine = RuleFileLoader.loadDefault().engineFor("example-plant", "gas-tank-07");
        SensorAlarmState alarms = null;
        for (int i = 0; i < 10; i++) {
            alarms = engine.onReading(alarms, new SensorReading("example-plant", "gw-1", "gas-tank-07", 1_000L * i,
                    30 + i, ReadingQuality.GOOD)).state();
        }
        SensorRuleState written = new SensorRuleState(alarms, new SensorClock(9_000, 1_790_000_000_000L, 42));
        assertThat(pojoType().createSerializer(new org.apache.flink.api.common.ExecutionConfig().getSerializerConfig()))
                .as("the old side of the test really is the POJO serializer")
                .isInstanceOf(org.apache.flink.api.java.typeutils.runtime.PojoSerializer.class);

        OperatorSubtaskState checkpoint;
        try (var before = harness(pojoType())) {
            before.open();
            before.processElement(written, 1);
            checkpoint = before.snapshot(1, 2);
        }
        try (var after = harness(TypeInformation.of(SensorRuleState.class))) {
            after.initializeState(checkpoint);
            after.open();
            after.processElement(new SensorRuleState(null, null), 3);
            // And the migrated state can be checkpointed again, now in the new format.
            after.snapshot(2, 4);

            assertThat(after.extractOutputValues()).containsExactly(written);
            assertThat(after.extractOutputValues().get(0).alarms().window().slopePerMinute())
                    .isEqualTo(written.alarms().window().slopePerMinute());
        }
    }
}
