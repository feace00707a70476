package io.tocsin.ingest.alarms;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.tocsin.ingest.pubsub.CurrentMessages;
import io.tocsin.ingest.pubsub.MessagePublisher;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The alarms that are not over, each with its latest event and every MQTT topic it was published on, kept as
 * {@link CurrentMessages} so that a console subscribing to one of those topics gets them at once. An alarm is over
 * when its event says NORMAL (returned and acknowledged, as the station console's list); until then its latest event
 * stays on the union of its topics (an escalation adds a neighbour's topic, the covering station keeps it).
 *
 * <p>Built from the alarms topic read from its beginning; nothing is handed to {@link CurrentMessages} until
 * {@link #serve}, once the fan-out has read up to where it left off: a half-read topic would show alarms as active
 * whose end comes later in it. A console that subscribed meanwhile got neither these nor the events before the
 * restart, so {@link #serve} also publishes them once to whoever is subscribed then. Confined to the fan-out's
 * thread.
 */
final class ActiveAlarmTopics {

    private record Active(byte[] latest, Set<String> topics) {
    }

    private final CurrentMessages current;
    private final Map<String, Active> byAlarmId = new LinkedHashMap<>();
    private boolean serving;

    ActiveAlarmTopics(CurrentMessages current) {
        this.current = current;
    }

    /** Takes an alarm's new event ({@code payload}, the record's value), published on {@code topics}. */
    void apply(AlarmEvent event, byte[] payload, Set<String> topics) {
        String id = event.getAlarmId();
        if (id.isEmpty()) {
            return;
        }
        Active was = byAlarmId.remove(id); // re-inserted below: the order is that of the latest events
        Set<String> all = new LinkedHashSet<>();
        if (was != null) {
            all.addAll(was.topics());
        }
        all.addAll(topics);
        if (event.getState() == AlarmState.ALARM_STATE_NORMAL) {
            if (serving) {
                all.forEach(topic -> current.forget(topic, id));
            }
            return;
        }
        byAlarmId.put(id, new Active(payload, all));
        if (serving) {
            all.forEach(topic -> current.keep(topic, id, payload, MqttQoS.AT_LEAST_ONCE));
        }
    }

    /**
     * From now on every alarm not over is a current message of its topics, and every change goes there at once.
     * Publishes each alarm not over once to the consoles subscribed now (those that subscribed while the topic was
     * being read); stations recognise an event they already had by its alarm id.
     */
    void serve(MessagePublisher subscribed) {
        if (serving) {
            return;
        }
        serving = true;
        byAlarmId.forEach((id, active) -> active.topics().forEach(topic -> {
            current.keep(topic, id, active.latest(), MqttQoS.AT_LEAST_ONCE);
            subscribed.publish(topic, active.latest(), MqttQoS.AT_LEAST_ONCE);
        }));
    }

    boolean serving() {
        return serving;
    }

    /** How many alarms are not over. */
    int size() {
        return byAlarmId.size();
    }
}
