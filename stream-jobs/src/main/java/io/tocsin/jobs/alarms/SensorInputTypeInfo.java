package io.tocsin.jobs.alarms;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Flink type of {@link SensorInput}: {@link SensorInputSerializer} instead of the POJO serializer. Chosen by
 * {@code TypeInformation.of(SensorInput.class)} through the {@code @TypeInfo} annotation on the record.
 */
public final class SensorInputTypeInfo {

    public static final HandWrittenTypeInfo<SensorInput> INSTANCE =
            new HandWrittenTypeInfo<>(SensorInput.class, SensorInputSerializer::new);

    private SensorInputTypeInfo() {
    }

    /** Named in {@code @TypeInfo} on {@link SensorInput}. */
    public static final class Factory extends TypeInfoFactory<SensorInput> {
        @Override
        public TypeInformation<SensorInput> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return INSTANCE;
        }
    }
}
