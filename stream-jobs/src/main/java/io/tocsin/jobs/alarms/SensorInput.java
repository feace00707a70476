package io.tocsin.jobs.alarms;

import io.tocsin.rules.SensorReading;
import io.tocsin.rules.lifecycle.AlarmCommand;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * What changes one sensor's alarm state: a reading, or a person's command. One stream of both, keyed by
 * {@link SiteSensorKey}, so that a single operator owns the state and applies readings and commands in the order
 * they arrive.
 *
 * @param reading   the reading, or null for a command
 * @param command   the command, or null for a reading
 * @param commandId the sender's id of the command (carried back in its result); null for a reading
 */
@TypeInfo(SensorInputTypeInfo.Factory.class) // written by SensorInputSerializer, not the reflective POJO serializer
public record SensorInput(SensorReading reading, AlarmCommand command, String commandId) {

    public static SensorInput of(SensorReading reading) {
        return new SensorInput(reading, null, null);
    }

    public static SensorInput of(String commandId, AlarmCommand command) {
        return new SensorInput(null, command, commandId);
    }

    public String siteId() {
        return reading != null ? reading.siteId() : command.siteId();
    }

    public String sensorId() {
        return reading != null ? reading.sensorId() : command.sensorId();
    }
}
