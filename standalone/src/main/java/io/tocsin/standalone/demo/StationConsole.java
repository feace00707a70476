package io.tocsin.standalone.demo;

import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.AlarmEvent;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a micro fire station's duty-room console sees in the demo: an ordinary MQTT 5 client subscribed to
 * the alarm topics, printing each alarm as it arrives, with how long after the crossing reading it came.
 */
public final class StationConsole implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StationConsole.class);

    private final String stationId;
    private final MqttClient client;
    private final Clock clock;
    private final List<AlarmEvent> received = new CopyOnWriteArrayList<>();

    public StationConsole(String stationId, String serverUri, Clock clock) throws MqttException {
        this.stationId = stationId;
        this.clock = clock;
        this.client = new MqttClient(serverUri, stationId, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setAutomaticReconnect(true);
        options.setCleanStart(true);
        client.setCallback(new MessageArrivedCallback((topic, message) -> show(message)));
        client.connect(options);
        client.subscribe(MqttTopics.ALL_ALARMS, 1);
        log.info("Fire station {} subscribed to {}", stationId, MqttTopics.ALL_ALARMS);
    }

    private void show(MqttMessage message) {
        AlarmEvent alarm;
        try {
            alarm = AlarmEvent.parseFrom(message.getPayload());
        } catch (Exception e) {
            log.warn("Station {} got a message that is not an AlarmEvent: {}", stationId, e.getMessage());
            return;
        }
        received.add(alarm);
        // RETAIN: the alarm's state when the station subscribed (open, or ended recently), not a new event.
        log.info(">>> {} {} | site {} sensor {} | {} value {} threshold {} | id {} | {}",
                stationId, colour(alarm), alarm.getSiteId(), alarm.getSensorId(),
                alarm.getState().name().replace("ALARM_STATE_", ""), String.format("%.2f", alarm.getValue()),
                String.format("%.2f", alarm.getThreshold()), alarm.getAlarmId(),
                message.isRetained() ? "as it was when the station subscribed"
                        : (clock.millis() - alarm.getEventTimeMs()) + " ms after the reading");
    }

    private static String colour(AlarmEvent alarm) {
        return alarm.getSeverity().name().replace("SEVERITY_", "") + " ALARM";
    }

    public long alarmsReceived() {
        return received.size();
    }

    /** Every alarm event this console received, in order of arrival. */
    public List<AlarmEvent> alarms() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close();
        } catch (MqttException e) {
            log.debug("Station {} did not disconnect cleanly", stationId, e);
        }
    }
}
