package io.tocsin.edge.driver;

import io.tocsin.rules.events.FieldEvent;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import java.util.Optional;

/**
 * Events travel as readings until the wire format has a message of their own: the unit says
 * {@code event:fire}, {@code event:fault} ... (the kinds are alarm-rules' {@link FieldEvent}, one list for the gateway
 * and the platform), the sensor id names the point (zone, loop address, device)
 * and the value is 1 when the condition starts and 0 when it clears. The buffer sends them ahead of
 * telemetry and never drops them.
 *
 * <p>The platform's alarm job raises alarms from them by default, without any rule in the rule file (alarm-rules'
 * {@code FieldEventAlarms}): FIRE is a RED alarm {@code site/sensor/event-fire/n}; FAULT and OFFLINE are YELLOW
 * faults; ONLINE (value 1) clears the OFFLINE fault of the same sensor id, so both must name the device the same
 * way; RESET clears the active FIRE and FAULT alarms of every point this gateway reported; ALARM (a local rule) is
 * only counted there, since the platform's own rules evaluate the readings it is based on. A kind the platform
 * does not know is counted and dropped: add new kinds there first.
 */
public final class Events {

    private Events() {
    }

    public static Reading event(String sensorId, FieldEvent kind, long timestampMs, boolean active) {
        return Reading.newBuilder().setSensorId(sensorId).setTimestampMs(timestampMs).setValue(active ? 1 : 0)
                .setQuality(Quality.QUALITY_GOOD).setUnit(kind.unit()).build();
    }

    public static boolean isEvent(Reading reading) {
        return FieldEvent.isEventUnit(reading.getUnit());
    }

    public static Optional<FieldEvent> kindOf(Reading reading) {
        return FieldEvent.ofUnit(reading.getUnit());
    }
}
