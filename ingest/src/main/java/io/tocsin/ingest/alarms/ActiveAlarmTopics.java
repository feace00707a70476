package io.tocsin.ingest.alarms;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.tocsin.ingest.pubsub.CurrentMessages;
import io.tocsin.ingest.pubsub.MessagePublisher;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>Fed by two readers of the alarms topic: the fan-out with the new events, and, after a restart, a catch-up that
 * reads what the fan-out had published before it (older events, possibly after newer ones of the same alarm: each
 * event's offset decides, and an alarm that is over is remembered as over until the catch-up is done). Nothing is
 * handed to {@link CurrentMessages} until {@link #serve}, once the catch-up is done: a half-read topic would show
 * alarms as active whose end comes later in it. A console that subscribed meanwhile got neither these nor the events
 * before the restart, so {@link #serve} also publishes them once to whoever is subscribed then. Thread-safe (alarm
 * events are few: one lock).
 */
final class ActiveAlarmTopics {

    /** An alarm's latest event (by offset in its partition) and all its topics; {@code over}: NORMAL. */
    private record Entry(byte[] latest, Set<String> topics, int partition, long offset, boolean over) {
    }

    private static final Logger log = LoggerFactory.getLogger(ActiveAlarmTopics.class);

    private final CurrentMessages current;
    private final Map<String, Entry> byAlarmId = new LinkedHashMap<>();
    private boolean serving;

    ActiveAlarmTopics(CurrentMessages current) {
        this.current = current;
    }

    /**
     * Takes an alarm's event ({@code payload}, the record's value, at {@code offset} of {@code partition}),
     * published on {@code topics}.
     */
    synchronized void apply(AlarmEvent event, byte[] payload, Set<String> topics, int partition, long offset) {
        String id = event.getAlarmId();
        if (id.isEmpty()) {
            return;
        }
        Entry was = byAlarmId.get(id);
        Set<String> all = new LinkedHashSet<>();
        if (was != null) {
            all.addAll(was.topics());
        }
        all.addAll(topics);
        if (was != null && was.partition() == partition && was.offset() > offset) {
            // An older event, read by the catch-up after a newer one: it only adds the topics it went to.
            byAlarmId.put(id, new Entry(was.latest(), all, was.partition(), was.offset(), was.over()));
            if (serving && !was.over()) {
                all.forEach(topic -> current.keep(topic, id, was.latest(), MqttQoS.AT_LEAST_ONCE));
            }
            return;
        }
        byAlarmId.remove(id); // re-inserted below: the order is that of the latest events
        boolean over = event.getState() == AlarmState.ALARM_STATE_NORMAL;
        if (over && serving) {
            all.forEach(topic -> current.forget(topic, id));
            return;
        }
        byAlarmId.put(id, new Entry(payload, all, partition, offset, over));
        if (serving) {
            all.forEach(topic -> current.keep(topic, id, payload, MqttQoS.AT_LEAST_ONCE));
        }
    }

    /**
     * From now on every alarm not over is a current message of its topics, and every change goes there at once.
     * Publishes each alarm not over once through {@code subscribed}, to the consoles subscribed now (after a
     * restart: those that subscribed during the catch-up); stations recognise an event they already had by its
     * alarm id.
     */
    synchronized void serve(MessagePublisher subscribed) {
        if (serving) {
            return;
        }
        serving = true;
        byAlarmId.values().removeIf(Entry::over);
        byAlarmId.forEach((id, active) -> active.topics().forEach(topic -> {
            current.keep(topic, id, active.latest(), MqttQoS.AT_LEAST_ONCE);
            try {
                subscribed.publish(topic, active.latest(), MqttQoS.AT_LEAST_ONCE);
            } catch (RuntimeException e) {
                // One topic failing must not keep the others from their alarms (as in the fan-out).
                log.error("Alarm {} could not be published on {} after the catch-up", id, topic, e);
            }
        }));
    }

    synchronized boolean serving() {
        return serving;
    }

    /** How many alarms are not over (or, before {@link #serve}, known). */
    synchronized int size() {
        return byAlarmId.size();
    }
}
