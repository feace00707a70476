package io.tocsin.jobs.testing;

import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.connector.datagen.functions.FromElementsGeneratorFunction;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;

/** Bounded sources of serialized records for jobs under test. */
public final class BoundedSources {

    private BoundedSources() {
    }

    /** Flink 2's replacement for fromElements: a DataGeneratorSource that emits the given records once. */
    public static DataGeneratorSource<byte[]> of(byte[]... records) {
        return new DataGeneratorSource<>(
                new FromElementsGeneratorFunction<>(PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO, records),
                records.length, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }
}
