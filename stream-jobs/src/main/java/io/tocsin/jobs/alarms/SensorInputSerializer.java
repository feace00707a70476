package io.tocsin.jobs.alarms;

import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.lifecycle.AlarmCommand;
import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Writes a {@link SensorInput} field by field. Every gateway batch crosses the keyBy in front of
 * {@link EvaluateAlarmRules} in this form; Flink's POJO serializer for the records did the same through
 * reflection (field access, a reflective canonical-constructor call per record and per nested record), which
 * was a large part of the rules task's time.
 *
 * <p>Format: one byte of presence flags, the site id and the device id (once per batch: every reading of a batch
 * has them, see {@link SensorInput}), then for a batch the number of readings and each reading's sensor id,
 * time, value and quality, then the command's fields, then the command id. Strings are {@link Utf8Strings}, read
 * through this serializer's own buffer: one instance per thread ({@link #duplicate}). Enums are written as their ordinal: reordering
 * {@link ReadingQuality} or {@link AlarmCommand.Type} changes the format (SensorInputSerializerTest pins the
 * order). Only network buffers carry this format; no state holds a SensorInput, so a change breaks no
 * checkpoint, only a mixed-version cluster.
 */
public final class SensorInputSerializer extends TypeSerializer<SensorInput> {

    private static final long serialVersionUID = 1L;

    private static final int NULL_RECORD = 0x80;
    private static final int HAS_READINGS = 0x01;
    private static final int HAS_COMMAND = 0x02;
    private static final int NO_ENUM = 0xFF;

    private static final ReadingQuality[] QUALITIES = ReadingQuality.values();
    private static final AlarmCommand.Type[] COMMAND_TYPES = AlarmCommand.Type.values();

    private final Utf8Strings strings = new Utf8Strings();

    @Override
    public boolean isImmutableType() {
        return true; // a record of records, strings and enums
    }

    /** Immutable, so Flink never fills it in; an input with neither readings nor command. */
    private static final SensorInput EMPTY = new SensorInput(null, null, null, null, null);

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
        List<SensorReading> readings = input.readings();
        AlarmCommand c = input.command();
        out.writeByte((readings != null ? HAS_READINGS : 0) | (c != null ? HAS_COMMAND : 0));
        Utf8Strings.write(input.siteId(), out);
        Utf8Strings.write(input.deviceId(), out);
        if (readings != null) {
            int n = readings.size();
            out.writeInt(n);
            for (int i = 0; i < n; i++) {
                SensorReading r = readings.get(i);
                Utf8Strings.write(r.sensorId(), out);
                out.writeLong(r.timestampMs());
                out.writeDouble(r.value());
                out.writeByte(r.quality() == null ? NO_ENUM : r.quality().ordinal());
            }
        }
        if (c != null) {
            out.writeByte(c.type().ordinal());
            Utf8Strings.write(c.siteId(), out);
            Utf8Strings.write(c.sensorId(), out);
            Utf8Strings.write(c.ruleId(), out);
            Utf8Strings.write(c.alarmId(), out);
            Utf8Strings.write(c.actor(), out);
            Utf8Strings.write(c.comment(), out);
            out.writeLong(c.atMs());
            out.writeLong(c.untilMs());
        }
        Utf8Strings.write(input.commandId(), out);
    }

    @Override
    public SensorInput deserialize(DataInputView in) throws IOException {
        int flags = in.readUnsignedByte();
        if (flags == NULL_RECORD) {
            return null;
        }
        String siteId = strings.read(in);
        String deviceId = strings.read(in);
        List<SensorReading> readings = null;
        if ((flags & HAS_READINGS) != 0) {
            SensorReading[] batch = new SensorReading[in.readInt()];
            for (int i = 0; i < batch.length; i++) {
                String sensorId = strings.read(in);
                long timestampMs = in.readLong();
                double value = in.readDouble();
                int quality = in.readUnsignedByte();
                // The batch's site and device strings, shared by its readings.
                batch[i] = new SensorReading(siteId, deviceId, sensorId, timestampMs, value,
                        quality == NO_ENUM ? null : QUALITIES[quality]);
            }
            readings = List.of(batch);
        }
        AlarmCommand command = null;
        if ((flags & HAS_COMMAND) != 0) {
            AlarmCommand.Type type = COMMAND_TYPES[in.readUnsignedByte()];
            String commandSiteId = strings.read(in);
            String sensorId = strings.read(in);
            String ruleId = strings.read(in);
            String alarmId = strings.read(in);
            String actor = strings.read(in);
            String comment = strings.read(in);
            long atMs = in.readLong();
            long untilMs = in.readLong();
            command = new AlarmCommand(type, commandSiteId, sensorId, ruleId, alarmId, actor, comment, atMs, untilMs);
        }
        return new SensorInput(siteId, deviceId, readings, command, strings.read(in));
    }

    @Override
    public SensorInput deserialize(SensorInput reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    /** The read buffer makes the serializer stateful: one instance per thread. */
    @Override
    public SensorInputSerializer duplicate() {
        return new SensorInputSerializer();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SensorInputSerializer;
    }

    @Override
    public int hashCode() {
        return SensorInputSerializer.class.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<SensorInput> snapshotConfiguration() {
        return new Snapshot();
    }

    /** The serializer has no configuration: the snapshot only records its class and the format version. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<SensorInput> {

        public Snapshot() {
            super(SensorInputSerializer::new);
        }
    }
}
