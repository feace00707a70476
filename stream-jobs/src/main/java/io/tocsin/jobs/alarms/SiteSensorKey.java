package io.tocsin.jobs.alarms;

import io.tocsin.rules.SensorReading;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * Keys readings by sensor: {@code siteId + "/" + sensorId}. Sensor ids are only unique within a site. Site
 * ids never contain '/' (they are MQTT topic levels, checked by the decoder), so the key is unambiguous.
 *
 * <p>Changing this key changes which state a reading sees: that is a state-incompatible change of the job.
 */
public final class SiteSensorKey implements KeySelector<SensorReading, String> {

    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(SensorReading reading) {
        return of(reading.siteId(), reading.sensorId());
    }

    public static String of(String siteId, String sensorId) {
        return siteId + "/" + sensorId;
    }
}
