package io.tocsin.jobs.alarms;

import io.tocsin.rules.AlarmState;
import io.tocsin.rules.engine.SensorAlarmState;
import io.tocsin.rules.lifecycle.AlarmSlot;
import io.tocsin.rules.rate.SampleWindow;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Writes a {@link SensorRuleState} (one sensor's entry in its site's map state in {@link EvaluateAlarmRules})
 * field by field, and copies it sharing everything but its sample window.
 *
 * <p>Why the copy matters: the heap state backend writes a checkpoint while the job goes on, copy-on-write. While a
 * checkpoint is being written, the first access to a site's map copies the whole map through this serializer's
 * {@link #copy}. Flink's POJO serializer deep-copied every sensor's records and arrays by reflection: at 50,000
 * readings/s the rules task spent about half a second per checkpoint doing nothing else, and the alarms of that
 * half second waited (AlarmLatencyBenchmark with JFR, 2026-11-30). The engine's state is immutable (a new record
 * and a cloned slot array for every change) except the {@link SampleWindow}, which the engine updates in place:
 * that is the one part copied; the snapshot being written keeps the old window.
 *
 * <p>Format: a byte of presence flags, then the engine state (site, device and sensor id, last reading time, the
 * window if any, the slots with every field of {@link AlarmSlot}), then the clock's three times. Strings are
 * {@link Utf8Strings}; {@link AlarmState} is written as its ordinal (SensorRuleStateSerializerTest pins the order
 * and counts the records' fields, so a new field cannot be forgotten here). This format is in checkpoints and
 * savepoints: change it only with a new {@link Snapshot} version that reads the old one. Checkpoints written before
 * this serializer existed (Flink's POJO serializer) are migrated: read with the POJO serializer they name, written
 * in this format from the next checkpoint on.
 */
public final class SensorRuleStateSerializer extends TypeSerializer<SensorRuleState> {

    private static final long serialVersionUID = 1L;

    private static final int NULL_RECORD = 0x80;
    private static final int HAS_ALARMS = 0x01;
    private static final int HAS_CLOCK = 0x02;
    private static final int HAS_WINDOW = 0x04;

    private static final AlarmState[] STATES = AlarmState.values();

    private final Utf8Strings strings = new Utf8Strings();

    @Override
    public boolean isImmutableType() {
        return false; // the sample window changes in place
    }

    @Override
    public SensorRuleState createInstance() {
        return new SensorRuleState(null, null);
    }

    @Override
    public SensorRuleState copy(SensorRuleState from) {
        if (from == null || from.alarms() == null || from.alarms().window() == null) {
            return from;
        }
        SensorAlarmState a = from.alarms();
        return new SensorRuleState(new SensorAlarmState(a.siteId(), a.deviceId(), a.sensorId(), a.lastReadingMs(),
                a.window().copy(), a.slots()), from.clock());
    }

    @Override
    public SensorRuleState copy(SensorRuleState from, SensorRuleState reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(SensorRuleState state, DataOutputView out) throws IOException {
        if (state == null) {
            out.writeByte(NULL_RECORD);
            return;
        }
        SensorAlarmState a = state.alarms();
        SensorClock c = state.clock();
        out.writeByte((a != null ? HAS_ALARMS : 0) | (c != null ? HAS_CLOCK : 0)
                | (a != null && a.window() != null ? HAS_WINDOW : 0));
        if (a != null) {
            Utf8Strings.write(a.siteId(), out);
            Utf8Strings.write(a.deviceId(), out);
            Utf8Strings.write(a.sensorId(), out);
            out.writeLong(a.lastReadingMs());
            if (a.window() != null) {
                writeWindow(a.window(), out);
            }
            out.writeInt(a.slots().length);
            for (AlarmSlot slot : a.slots()) {
                writeSlot(slot, out);
            }
        }
        if (c != null) {
            out.writeLong(c.readingTimeMs());
            out.writeLong(c.arrivalMs());
            out.writeLong(c.timerAtMs());
        }
    }

    private static void writeWindow(SampleWindow w, DataOutputView out) throws IOException {
        long[] times = w.getTimes();
        double[] values = w.getValues();
        out.writeInt(times.length);
        for (long t : times) {
            out.writeLong(t);
        }
        out.writeInt(values.length);
        for (double v : values) {
            out.writeDouble(v);
        }
        out.writeInt(w.getHead());
        out.writeInt(w.getSize());
        out.writeInt(w.getPushesSinceRecompute());
        out.writeLong(w.getBaseMs());
        out.writeDouble(w.getSumX());
        out.writeDouble(w.getSumY());
        out.writeDouble(w.getSumXX());
        out.writeDouble(w.getSumXY());
    }

    private static void writeSlot(AlarmSlot s, DataOutputView out) throws IOException {
        Utf8Strings.write(s.ruleId(), out);
        out.writeBoolean(s.condition());
        out.writeLong(s.pendingSinceMs());
        out.writeByte(s.state().ordinal());
        out.writeLong(s.activation());
        out.writeBoolean(s.activationOpen());
        out.writeLong(s.raisedAtMs());
        out.writeLong(s.shelvedUntilMs());
        out.writeBoolean(s.suppressed());
        out.writeBoolean(s.flapping());
        long[] changes = s.changeTimes();
        out.writeInt(changes.length);
        for (long t : changes) {
            out.writeLong(t);
        }
        out.writeDouble(s.lastMeasured());
    }

    @Override
    public SensorRuleState deserialize(DataInputView in) throws IOException {
        int flags = in.readUnsignedByte();
        if (flags == NULL_RECORD) {
            return null;
        }
        SensorAlarmState alarms = null;
        if ((flags & HAS_ALARMS) != 0) {
            String siteId = strings.read(in);
            String deviceId = strings.read(in);
            String sensorId = strings.read(in);
            long lastReadingMs = in.readLong();
            SampleWindow window = (flags & HAS_WINDOW) != 0 ? readWindow(in) : null;
            AlarmSlot[] slots = new AlarmSlot[in.readInt()];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = readSlot(in);
            }
            alarms = new SensorAlarmState(siteId, deviceId, sensorId, lastReadingMs, window, slots);
        }
        SensorClock clock = (flags & HAS_CLOCK) != 0
                ? new SensorClock(in.readLong(), in.readLong(), in.readLong()) : null;
        return new SensorRuleState(alarms, clock);
    }

    private static SampleWindow readWindow(DataInputView in) throws IOException {
        SampleWindow w = new SampleWindow();
        long[] times = new long[in.readInt()];
        for (int i = 0; i < times.length; i++) {
            times[i] = in.readLong();
        }
        double[] values = new double[in.readInt()];
        for (int i = 0; i < values.length; i++) {
            values[i] = in.readDouble();
        }
        w.setTimes(times);
        w.setValues(values);
        w.setHead(in.readInt());
        w.setSize(in.readInt());
        w.setPushesSinceRecompute(in.readInt());
        w.setBaseMs(in.readLong());
        w.setSumX(in.readDouble());
        w.setSumY(in.readDouble());
        w.setSumXX(in.readDouble());
        w.setSumXY(in.readDouble());
        return w;
    }

    private AlarmSlot readSlot(DataInputView in) throws IOException {
        String ruleId = strings.read(in);
        boolean condition = in.readBoolean();
        long pendingSinceMs = in.readLong();
        AlarmState state = STATES[in.readUnsignedByte()];
        long activation = in.readLong();
        boolean activationOpen = in.readBoolean();
        long raisedAtMs = in.readLong();
        long shelvedUntilMs = in.readLong();
        boolean suppressed = in.readBoolean();
        boolean flapping = in.readBoolean();
        long[] changes = new long[in.readInt()];
        for (int i = 0; i < changes.length; i++) {
            changes[i] = in.readLong();
        }
        double lastMeasured = in.readDouble();
        return new AlarmSlot(ruleId, condition, pendingSinceMs, state, activation, activationOpen, raisedAtMs,
                shelvedUntilMs, suppressed, flapping, changes, lastMeasured);
    }

    @Override
    public SensorRuleState deserialize(SensorRuleState reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    /** The read buffer makes the serializer stateful: one instance per thread. */
    @Override
    public SensorRuleStateSerializer duplicate() {
        return new SensorRuleStateSerializer();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SensorRuleStateSerializer;
    }

    @Override
    public int hashCode() {
        return SensorRuleStateSerializer.class.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<SensorRuleState> snapshotConfiguration() {
        return new Snapshot();
    }

    /** The serializer has no configuration: the snapshot only records its class and the format version. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<SensorRuleState> {

        public Snapshot() {
            super(SensorRuleStateSerializer::new);
        }

        /**
         * State written by Flink's POJO serializer (the rules stage before this serializer) is migrated, not
         * refused: a refusal would keep the alarm job from starting on its last checkpoint after an upgrade.
         */
        @Override
        public TypeSerializerSchemaCompatibility<SensorRuleState> resolveSchemaCompatibility(
                TypeSerializerSnapshot<SensorRuleState> oldSerializerSnapshot) {
            if (oldSerializerSnapshot instanceof PojoSerializerSnapshot) {
                return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
            }
            return super.resolveSchemaCompatibility(oldSerializerSnapshot);
        }
    }
}
