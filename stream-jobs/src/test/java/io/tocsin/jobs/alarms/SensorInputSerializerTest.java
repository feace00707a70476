package io.tocsin.jobs.alarms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.lifecycle.AlarmCommand;
import java.io.IOException;
import java.util.List;
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
 * compatibility, duplicate, Java serialisation) on batches (of one, several, none) and commands with nulls, NaN,
 * infinities and non-ASCII ids; plus what the job relies on: that {@code TypeInformation.of} picks this serializer.
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
                SensorInput.batch("park-1", "gw-1", List.of(
                        new SensorReading("park-1", "gw-1", "gas-03", 1_790_000_000_000L, 26.5, ReadingQuality.GOOD),
                        new SensorReading("park-1", "gw-1", "gas-04", 1_790_000_000_500L, Double.NaN,
                                ReadingQuality.BAD),
                        new SensorReading("park-1", "gw-1", "gas-03", 1_789_999_999_000L, -0.0, null))),
                SensorInput.of(new SensorReading("park-1", null, "gas-04", 0, Double.NaN, ReadingQuality.BAD)),
                SensorInput.of(new SensorReading("usine-é", "", "détecteur-ß-东京-🔥", Long.MIN_VALUE,
                        Double.NEGATIVE_INFINITY, ReadingQuality.UNCERTAIN)),
                SensorInput.of(new SensorReading(null, null, null, Long.MAX_VALUE, -0.0, null)),
                SensorInput.batch("park-2", "gw-9", List.of()),
                SensorInput.of("c-1", AlarmCommand.acknowledge("park-1/gas-03/gas-high/2", "ana", 5_000, "seen")),
                SensorInput.of("c-2", AlarmCommand.shelve("park-1", "gas-03", "gas-high", "bo", 6_000, 66_000,
                        "calibration ✓")),
                SensorInput.of(null, AlarmCommand.suppress("park-1", "gas-03", null, -1, null)),
                new SensorInput(null, null, null, null, null),
                new SensorInput("s", "d", List.of(new SensorReading("s", "d", "x", 1, Double.POSITIVE_INFINITY,
                        ReadingQuality.GOOD)), AlarmCommand.unsuppress("s", "x", "eve", 2, "both set"), "c-3"),
        };
    }

    @Test
    void aBatchHoldsReadingsOfItsOwnSiteAndDeviceOnlyBecauseBothAreWrittenOnce() {
        SensorReading otherSite = new SensorReading("park-2", "gw-1", "gas-01", 1, 1, ReadingQuality.GOOD);
        SensorReading otherDevice = new SensorReading("park-1", "gw-2", "gas-01", 1, 1, ReadingQuality.GOOD);

        assertThatThrownBy(() -> SensorInput.batch("park-1", "gw-1", List.of(otherSite)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("park-2/gas-01");
        assertThatThrownBy(() -> SensorInput.batch("park-1", "gw-1", List.of(otherDevice)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gw-2");
    }

    @Test
    void aBatchIsWrittenWithItsSiteAndDeviceOnceNotPerReading() throws IOException {
        List<SensorReading> readings = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            readings.add(new SensorReading("chem-park-1", "gateway-0001", "gas-" + i, i, i, ReadingQuality.GOOD));
        }
        DataOutputSerializer one = new DataOutputSerializer(64);
        new SensorInputSerializer().serialize(SensorInput.batch("chem-park-1", "gateway-0001", readings.subList(0, 1)),
                one);
        DataOutputSerializer ten = new DataOutputSerializer(64);
        new SensorInputSerializer().serialize(SensorInput.batch("chem-park-1", "gateway-0001", readings), ten);

        // Per further reading: its sensor id (4 + 5 bytes), time (8), value (8) and quality (1); no site, no device.
        assertThat(ten.length() - one.length()).isEqualTo(9 * (4 + 5 + 8 + 8 + 1));
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
        SensorInput reading = getTestData()[1];
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
