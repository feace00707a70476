package io.tocsin.jobs.alarms;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Flink type of {@link SensorInput}: {@link SensorInputSerializer} instead of the POJO serializer. Chosen by
 * {@code TypeInformation.of(SensorInput.class)} through the {@code @TypeInfo} annotation on the record.
 */
public final class SensorInputTypeInfo extends TypeInformation<SensorInput> {

    private static final long serialVersionUID = 1L;

    public static final SensorInputTypeInfo INSTANCE = new SensorInputTypeInfo();

    /** Named in {@code @TypeInfo} on {@link SensorInput}. */
    public static final class Factory extends TypeInfoFactory<SensorInput> {
        @Override
        public TypeInformation<SensorInput> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
            return INSTANCE;
        }
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<SensorInput> getTypeClass() {
        return SensorInput.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<SensorInput> createSerializer(SerializerConfig config) {
        return new SensorInputSerializer();
    }

    @Override
    public String toString() {
        return "SensorInputTypeInfo";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SensorInputTypeInfo;
    }

    @Override
    public int hashCode() {
        return SensorInputTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof SensorInputTypeInfo;
    }
}
