package io.tocsin.jobs.alarms;

import io.tocsin.rules.SensorReading;
import io.tocsin.rules.lifecycle.AlarmCommand;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * What changes the alarm state of a site's sensors: the readings of one gateway batch, or a person's command.
 * One stream of both, keyed by {@link #siteId}, so that a single operator owns the state of every sensor of the
 * site and applies readings and commands in the order they arrive.
 *
 * <p>A batch crosses the keyed exchange as one record rather than one per reading: a key string, its hash and
 * key group, and the record's serialisation per reading were about a quarter of the job's time
 * (docs/benchmarks.md, issue 6). The serializer writes the site and device ids once per batch.
 *
 * @param siteId    the site of every reading, or of the command; the key
 * @param deviceId  the gateway that sent the readings (informative, may be null or empty); null for a command
 * @param readings  the batch's readings, in the order the gateway sent them, all of {@code siteId} and
 *                  {@code deviceId}; null for a command. Immutable (copied unless it already is)
 * @param command   the command, or null for a batch
 * @param commandId the sender's id of the command (carried back in its result); null for a batch
 */
@TypeInfo(SensorInputTypeInfo.Factory.class) // written by SensorInputSerializer, not the reflective POJO serializer
public record SensorInput(String siteId, String deviceId, List<SensorReading> readings, AlarmCommand command,
        String commandId) {

    public SensorInput {
        if (readings != null) {
            readings = List.copyOf(readings); // no copy if it already is an immutable list
            for (SensorReading r : readings) {
                // The serializer writes site and device once per batch: a reading of another would change.
                if (!Objects.equals(r.siteId(), siteId) || !Objects.equals(r.deviceId(), deviceId)) {
                    throw new IllegalArgumentException("reading " + r.siteId() + "/" + r.sensorId() + " of device "
                            + r.deviceId() + " in a batch of " + siteId + ", device " + deviceId);
                }
            }
        }
    }

    /** The readings of one gateway batch (all of one site and device). */
    public static SensorInput batch(String siteId, String deviceId, List<SensorReading> readings) {
        return new SensorInput(siteId, deviceId, Objects.requireNonNull(readings, "readings"), null, null);
    }

    /** A batch of one reading. */
    public static SensorInput of(SensorReading reading) {
        return new SensorInput(reading.siteId(), reading.deviceId(), List.of(reading), null, null);
    }

    public static SensorInput of(String commandId, AlarmCommand command) {
        return new SensorInput(command.siteId(), null, null, command, commandId);
    }

    /** Event time of a batch: its newest reading's (Long.MIN_VALUE for none); a command's: when it was given. */
    public long timestampMs() {
        if (readings == null) {
            return command == null ? Long.MIN_VALUE : command.atMs();
        }
        long newest = Long.MIN_VALUE;
        for (SensorReading r : readings) {
            newest = Math.max(newest, r.timestampMs());
        }
        return newest;
    }
}
