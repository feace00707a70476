package io.tocsin.jobs.alarms;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.lifecycle.AlarmCommand;
import java.io.IOException;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * Flink's serializer checks (copy, serialize alone and in sequence, serialized copy, snapshot, restore and
 * compatibility, duplicate, Java serialisation) on readings and commands with nulls, NaN, infinities and
 * non-ASCII ids; plus what the job relies on: that {@code TypeInformation.of} picks this serializer.
 */
class SensorInputSerializerTest extends SerializerTestBase<SensorInput> {

    @Override
    protected TypeSerializer<SensorInput> createSerializer() {
        return new SensorInputSerializer();
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<SensorInput> getTypeClass() {
        return SensorInput.class;
    }

    @Override
    protected SensorInput[] getTestData() {
        return new SensorInput[] {
                SensorInput.of(new SensorReading("park-1", "gw-1", "gas-03", 1_790_000_000_000L, 26.5,
                        ReadingQuality.GOOD)),
                SensorInput.of(new SensorReading("park-1", null, "gas-04", 0, Double.NaN, ReadingQuality.BAD)),
                SensorInput.of(new SensorReading("usine-é", "", "détecteur-ß-东京-🔥", Long.MIN_VALUE,
                        Double.NEGATIVE_INFINITY, ReadingQuality.UNCERTAIN)),
                SensorInput.of(new SensorReading(null, null, null, Long.MAX_VALUE, -0.0, null)),
                SensorInput.of("c-1", AlarmCommand.acknowledge("park-1/gas-03/gas-high/2", "ana", 5_000, "seen")),
                SensorInput.of("c-2", AlarmCommand.shelve("park-1", "gas-03", "gas-high", "bo", 6_000, 66_000,
                        "calibration ✓")),
                SensorInput.of(null, AlarmCommand.suppress("park-1", "gas-03", null, -1, null)),
                new SensorInput(null, null, null),
                new SensorInput(new SensorReading("s", "d", "x", 1, Double.POSITIVE_INFINITY, ReadingQuality.GOOD),
                        AlarmCommand.unsuppress("s", "x", "eve", 2, "both set"), "c-3"),
        };
    }

    @Test
    void typeInformationOfTheRecordIsThisSerializerNotThePojoOne() {
        TypeInformation<SensorInput> info = TypeInformation.of(SensorInput.class);

        assertThat(info).isEqualTo(SensorInputTypeInfo.INSTANCE);
        assertThat(info.createSerializer(new ExecutionConfig().getSerializerConfig()))
                .isInstanceOf(SensorInputSerializer.class);
    }

    @Test
    void enumsAreWrittenByOrdinalSoTheirOrderIsPartOfTheFormat() {
        assertThat(ReadingQuality.values()).containsExactly(ReadingQuality.GOOD, ReadingQuality.UNCERTAIN,
                ReadingQuality.BAD);
        assertThat(AlarmCommand.Type.values()).containsExactly(AlarmCommand.Type.ACKNOWLEDGE,
                AlarmCommand.Type.SHELVE, AlarmCommand.Type.UNSHELVE, AlarmCommand.Type.SUPPRESS,
                AlarmCommand.Type.UNSUPPRESS);
    }

    @Test
    void aWrittenSnapshotRestoresACompatibleSerializerThatReadsTheSameBytes() throws IOException {
        SensorInput reading = getTestData()[2];
        DataOutputSerializer bytes = new DataOutputSerializer(64);
        new SensorInputSerializer().serialize(reading, bytes);
        DataOutputSerializer snapshotBytes = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(snapshotBytes,
                new SensorInputSerializer().snapshotConfiguration());

        TypeSerializerSnapshot<SensorInput> restored = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(snapshotBytes.getCopyOfBuffer()), getClass().getClassLoader());

        assertThat(new SensorInputSerializer().snapshotConfiguration().resolveSchemaCompatibility(restored)
                .isCompatibleAsIs()).isTrue();
        assertThat(restored.restoreSerializer().deserialize(new DataInputDeserializer(bytes.getCopyOfBuffer())))
                .isEqualTo(reading);
    }
}
