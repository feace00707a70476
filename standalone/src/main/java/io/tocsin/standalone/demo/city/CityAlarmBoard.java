package io.tocsin.standalone.demo.city;

import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmKind;
import io.tocsin.proto.v1.AlarmState;
import io.tocsin.proto.v1.Severity;
import io.tocsin.standalone.demo.MessageArrivedCallback;
import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The city control room's view: an MQTT 5 client subscribed to every site's alarms, counting raised alarms by
 * severity and measuring how long after the crossing reading each one arrived.
 *
 * <p>Latency is the arrival time minus the alarm's event time, i.e. the timestamp the gateway put on the
 * crossing reading when it published it (same clock: the simulated gateways run in this process). Only alarms
 * raised by a reading count; stale alarms are raised by the absence of readings and have no crossing reading.
 */
public final class CityAlarmBoard implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CityAlarmBoard.class);

    private final MqttClient client;
    private final Clock clock;
    private final Map<Severity, LongAdder> raised = new EnumMap<>(Severity.class);
    private final LongAdder events = new LongAdder();
    private final LatencyRecorder latency = new LatencyRecorder();
    private final Map<String, AlarmEvent> firstEventById = new ConcurrentHashMap<>();
    private final List<AlarmEvent> raisedAlarms = new CopyOnWriteArrayList<>();

    public CityAlarmBoard(String serverUri, Clock clock) throws MqttException {
        this.clock = clock;
        for (Severity s : List.of(Severity.SEVERITY_RED, Severity.SEVERITY_ORANGE, Severity.SEVERITY_YELLOW,
                Severity.SEVERITY_BLUE)) {
            raised.put(s, new LongAdder());
        }
        this.client = new MqttClient(serverUri, "city-control-room", new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setAutomaticReconnect(true);
        options.setCleanStart(true);
        client.setCallback(new MessageArrivedCallback((topic, message) -> onAlarm(message)));
        client.connect(options);
        client.subscribe(MqttTopics.ALL_ALARMS, 1);
    }

    private void onAlarm(MqttMessage message) {
        long arrivedMs = clock.millis();
        AlarmEvent alarm;
        try {
            alarm = AlarmEvent.parseFrom(message.getPayload());
        } catch (Exception e) {
            log.warn("Control room got a message that is not an AlarmEvent: {}", e.getMessage());
            return;
        }
        events.increment();
        if (message.isRetained()) {
            return; // the state of an alarm when the board subscribed, not a new one: no latency to count
        }
        if (alarm.getState() != AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED
                || firstEventById.putIfAbsent(alarm.getAlarmId(), alarm) != null) {
            return; // a later transition or a duplicate of an activation already counted
        }
        raisedAlarms.add(alarm);
        LongAdder counter = raised.get(alarm.getSeverity());
        if (counter != null) {
            counter.increment();
        }
        long latencyMs = arrivedMs - alarm.getEventTimeMs();
        if (raisedByReading(alarm)) {
            latency.record(Math.max(0, latencyMs) * 1000);
        }
        log.info(">>> {} ALARM {} | value {} threshold {} | stations {} | {} ms after the reading{}",
                alarm.getSeverity().name().replace("SEVERITY_", ""), alarm.getAlarmId(),
                String.format("%.1f", alarm.getValue()), String.format("%.1f", alarm.getThreshold()),
                alarm.getStationIdsList(), latencyMs, alarm.getFlapping() ? " | FLAPPING" : "");
    }

    /** Raised by a crossing reading (not by silence: stale alarms fire on a timer). */
    static boolean raisedByReading(AlarmEvent alarm) {
        return !alarm.getRuleId().endsWith("-silent")
                && !(alarm.getKind() == AlarmKind.ALARM_KIND_FAULT && alarm.getRuleId().contains("silent"));
    }

    public long raised(Severity severity) {
        LongAdder c = raised.get(severity);
        return c == null ? 0 : c.sum();
    }

    /** Every alarm activation seen, in order of arrival (its first event). */
    public List<AlarmEvent> raisedAlarms() {
        return List.copyOf(raisedAlarms);
    }

    /** Alarm events of any state received. */
    public long events() {
        return events.sum();
    }

    public LatencyRecorder latency() {
        return latency;
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect();
            }
            client.close();
        } catch (MqttException e) {
            log.debug("Control room client did not disconnect cleanly", e);
        }
    }
}
