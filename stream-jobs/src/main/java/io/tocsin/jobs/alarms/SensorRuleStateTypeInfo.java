package io.tocsin.jobs.alarms;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Flink type of {@link SensorRuleState}: {@link SensorRuleStateSerializer} instead of the POJO serializer. Chosen
 * by {@code TypeInformation.of(SensorRuleState.class)} through the {@code @TypeInfo} annotation on the record.
 */
public final class SensorRuleStateTypeInfo {

    public static final HandWrittenTypeInfo<SensorRuleState> INSTANCE =
            new HandWrittenTypeInfo<>(SensorRuleState.class, SensorRuleStateSerializer::new);

    private SensorRuleStateTypeInfo() {
    }

    /** Named in {@code @TypeInfo} on {@link SensorRuleState}. */
    public static final class Factory extends TypeInfoFactory<SensorRuleState> {
        @Override
        public TypeInformation<SensorRuleState> createTypeInfo(Type t,
                Map<String, TypeInformation<?>> genericParameters) {
            return INSTANCE;
        }
    }
}
