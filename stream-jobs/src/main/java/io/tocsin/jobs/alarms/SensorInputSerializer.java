package io.tocsin.jobs.alarms;

import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.lifecycle.AlarmCommand;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * Writes a {@link SensorInput} field by field. Every reading crosses the keyBy in front of
 * {@link EvaluateAlarmRules} in this form; Flink's POJO serializer for the records did the same through
 * reflection (field access, a reflective canonical-constructor call per record and per nested record), which
 * was a large part of the rules task's time.
 *
 * <p>Format (version 1 of {@link Snapshot}): one byte of presence flags, then the reading's fields, then the
 * command's, then the command id. Strings may be null ({@link StringValue#writeString} writes null as a length
 * of 0). Enums are written as their ordinal: reordering {@link ReadingQuality} or {@link AlarmCommand.Type}
 * changes the format (SensorInputSerializerTest pins the order). Only network buffers carry this format; no
 * state holds a SensorInput, so a change breaks no checkpoint, only a mixed-version cluster.
 */
public final class SensorInputSerializer extends TypeSerializerSingleton<SensorInput> {

    private static final long serialVersionUID = 1L;

    public static final SensorInputSerializer INSTANCE = new SensorInputSerializer();

    private static final int NULL_RECORD = 0x80;
    private static final int HAS_READING = 0x01;
    private static final int HAS_COMMAND = 0x02;
    private static final int NO_ENUM = 0xFF;

    private static final ReadingQuality[] QUALITIES = ReadingQuality.values();
    private static final AlarmCommand.Type[] COMMAND_TYPES = AlarmCommand.Type.values();

    @Override
    public boolean isImmutableType() {
        return true; // a record of records, strings and enums
    }

    /** Immutable, so Flink never fills it in; an input with neither reading nor command. */
    private static final SensorInput EMPTY = new SensorInput(null, null, null);

    @Override
    public SensorInput createInstance() {
        return EMPTY;
    }

    @Override
    public SensorInput copy(SensorInput from) {
        return from;
    }

    @Override
    public SensorInput copy(SensorInput from, SensorInput reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(SensorInput input, DataOutputView out) throws IOException {
        if (input == null) {
            out.writeByte(NULL_RECORD);
            return;
        }
        SensorReading r = input.reading();
        AlarmCommand c = input.command();
        out.writeByte((r != null ? HAS_READING : 0) | (c != null ? HAS_COMMAND : 0));
        if (r != null) {
            StringValue.writeString(r.siteId(), out);
            StringValue.writeString(r.deviceId(), out);
            StringValue.writeString(r.sensorId(), out);
            out.writeLong(r.timestampMs());
            out.writeDouble(r.value());
            out.writeByte(r.quality() == null ? NO_ENUM : r.quality().ordinal());
        }
        if (c != null) {
            out.writeByte(c.type().ordinal());
            StringValue.writeString(c.siteId(), out);
            StringValue.writeString(c.sensorId(), out);
            StringValue.writeString(c.ruleId(), out);
            StringValue.writeString(c.alarmId(), out);
            StringValue.writeString(c.actor(), out);
            StringValue.writeString(c.comment(), out);
            out.writeLong(c.atMs());
            out.writeLong(c.untilMs());
        }
        StringValue.writeString(input.commandId(), out);
    }

    @Override
    public SensorInput deserialize(DataInputView in) throws IOException {
        int flags = in.readUnsignedByte();
        if (flags == NULL_RECORD) {
            return null;
        }
        SensorReading reading = null;
        if ((flags & HAS_READING) != 0) {
            String siteId = StringValue.readString(in);
            String deviceId = StringValue.readString(in);
            String sensorId = StringValue.readString(in);
            long timestampMs = in.readLong();
            double value = in.readDouble();
            int quality = in.readUnsignedByte();
            reading = new SensorReading(siteId, deviceId, sensorId, timestampMs, value,
                    quality == NO_ENUM ? null : QUALITIES[quality]);
        }
        AlarmCommand command = null;
        if ((flags & HAS_COMMAND) != 0) {
            AlarmCommand.Type type = COMMAND_TYPES[in.readUnsignedByte()];
            String siteId = StringValue.readString(in);
            String sensorId = StringValue.readString(in);
            String ruleId = StringValue.readString(in);
            String alarmId = StringValue.readString(in);
            String actor = StringValue.readString(in);
            String comment = StringValue.readString(in);
            long atMs = in.readLong();
            long untilMs = in.readLong();
            command = new AlarmCommand(type, siteId, sensorId, ruleId, alarmId, actor, comment, atMs, untilMs);
        }
        return new SensorInput(reading, command, StringValue.readString(in));
    }

    @Override
    public SensorInput deserialize(SensorInput reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public TypeSerializerSnapshot<SensorInput> snapshotConfiguration() {
        return new Snapshot();
    }

    /** The serializer has no configuration: the snapshot only records its class and the format version. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<SensorInput> {

        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    /** Stateless: one instance serves every thread (TypeSerializerSingleton.duplicate returns it too). */
    private Object readResolve() {
        return INSTANCE;
    }
}
