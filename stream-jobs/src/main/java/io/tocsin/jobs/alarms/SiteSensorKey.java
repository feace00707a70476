package io.tocsin.jobs.alarms;

import org.apache.flink.api.java.functions.KeySelector;

/**
 * Keys readings and commands by sensor: {@code siteId + "/" + sensorId}. Sensor ids are only unique within a site. Site
 * ids never contain '/' (they are MQTT topic levels, checked by the decoder), so the key is unambiguous.
 *
 * <p>Changing this key changes which state a reading sees: that is a state-incompatible change of the job.
 */
public final class SiteSensorKey implements KeySelector<SensorInput, String> {

    private static final long serialVersionUID = 1L;

    @Override
    public String getKey(SensorInput input) {
        return of(input.siteId(), input.sensorId());
    }

    public static String of(String siteId, String sensorId) {
        return siteId + "/" + sensorId;
    }
}
