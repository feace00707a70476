package io.tocsin.ingest.alarms;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.tocsin.ingest.pubsub.CurrentMessages;
import io.tocsin.ingest.pubsub.MessagePublisher;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The alarms that are not over and those that ended recently, each with its latest event and every MQTT topic it was
 * published on, kept as {@link CurrentMessages} so that a console subscribing to one of those topics gets them at
 * once: every open alarm, and the NORMAL event of every alarm that ended in the last {@link #ENDED_KEPT} (at most
 * {@link #MAX_ENDED} of them), so that a console that was away can clear an alarm it still shows. An alarm is over
 * when its event says NORMAL (returned and acknowledged, as the station console's list); until then its latest event
 * stays on the union of its topics (an escalation adds a neighbour's topic, the covering station keeps it).
 *
 * <p>Fed by two readers of the alarms topic: the fan-out with the new events, and, after a restart, a catch-up that
 * reads what the fan-out had published before it (older events, possibly after newer ones of the same alarm: each
 * event's offset decides). Nothing is handed to {@link CurrentMessages} until {@link #serve}, once the catch-up is
 * done: a half-read topic would show alarms as open whose end comes later in it. A console that subscribed meanwhile
 * got neither these nor the events before the restart, so {@link #serve} can also publish them once to whoever is
 * subscribed then. Thread-safe (alarm events are few: one lock).
 */
final class ActiveAlarmTopics {

    /** How long an alarm that ended stays a current message (by its event time). */
    static final Duration ENDED_KEPT = Duration.ofHours(24);
    /** At most this many ended alarms are kept (the oldest go first): they must not crowd out open ones. */
    static final int MAX_ENDED = 20_000;

    /** An alarm's latest event (by offset in its partition) and all its topics. */
    private record Entry(byte[] latest, Set<String> topics, int partition, long offset, long eventTimeMs) {
    }

    private static final Logger log = LoggerFactory.getLogger(ActiveAlarmTopics.class);

    private final CurrentMessages current;
    private final LongSupplier clock;
    /** Alarms not over, in the order of their latest events. */
    private final Map<String, Entry> open = new LinkedHashMap<>();
    /** Alarms over, in the order they ended (oldest first). */
    private final Map<String, Entry> ended = new LinkedHashMap<>();
    private boolean serving;

    ActiveAlarmTopics(CurrentMessages current) {
        this(current, System::currentTimeMillis);
    }

    /** @param clock wall-clock milliseconds, to age the alarms that ended */
    ActiveAlarmTopics(CurrentMessages current, LongSupplier clock) {
        this.current = current;
        this.clock = clock;
    }

    /**
     * An alarm's event ({@code payload}, the record's value, at {@code offset} of {@code partition}), published on
     * {@code topics}.
     */
    record Update(AlarmEvent event, byte[] payload, Set<String> topics, int partition, long offset) {
    }

    /** Takes an alarm's event. */
    synchronized void apply(Update update) {
        take(update);
    }

    /** Takes the events of one batch (a catch-up's poll) under one lock. */
    synchronized void applyAll(List<Update> updates) {
        updates.forEach(this::take);
    }

    private void take(Update update) {
        AlarmEvent event = update.event();
        byte[] payload = update.payload();
        Set<String> topics = update.topics();
        int partition = update.partition();
        long offset = update.offset();
        String id = event.getAlarmId();
        if (id.isEmpty()) {
            return;
        }
        Map<String, Entry> holding = open.containsKey(id) ? open : ended;
        Entry was = holding.get(id);
        Set<String> all = new LinkedHashSet<>();
        if (was != null) {
            all.addAll(was.topics());
        }
        all.addAll(topics);
        if (was != null && was.partition() == partition && was.offset() > offset) {
            // An older event, read by the catch-up after a newer one: it only adds the topics it went to.
            Entry widened = new Entry(was.latest(), all, was.partition(), was.offset(), was.eventTimeMs());
            holding.put(id, widened);
            keepIfServing(id, widened);
            return;
        }
        open.remove(id); // re-inserted below: the order is that of the latest events
        ended.remove(id);
        Entry entry = new Entry(payload, all, partition, offset, event.getEventTimeMs());
        if (event.getState() == AlarmState.ALARM_STATE_NORMAL) {
            ended.put(id, entry);
        } else {
            open.put(id, entry);
        }
        keepIfServing(id, entry);
        forgetOldEnded();
    }

    private void keepIfServing(String id, Entry entry) {
        if (serving) {
            entry.topics().forEach(topic -> current.keep(topic, id, entry.latest(), MqttQoS.AT_LEAST_ONCE));
        }
    }

    /** Drops the alarms that ended longer ago than {@link #ENDED_KEPT}, and the oldest past {@link #MAX_ENDED}. */
    private void forgetOldEnded() {
        long oldest = clock.getAsLong() - ENDED_KEPT.toMillis();
        for (Iterator<Map.Entry<String, Entry>> it = ended.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Entry> e = it.next();
            if (ended.size() <= MAX_ENDED && e.getValue().eventTimeMs() >= oldest) {
                break; // ended in order: the rest is newer (event times out of order only delay a drop)
            }
            it.remove();
            if (serving) {
                e.getValue().topics().forEach(topic -> current.forget(topic, e.getKey()));
            }
        }
    }

    /**
     * From now on every alarm not over, and every alarm that ended recently, is a current message of its topics,
     * and every change goes there at once. Publishes each of them once through {@code subscribed}, to the consoles
     * subscribed now (after a restart: those that subscribed during the catch-up); stations recognise an event they
     * already had by its alarm id.
     */
    synchronized void serve(MessagePublisher subscribed) {
        if (serving) {
            return;
        }
        forgetOldEnded();
        serving = true;
        for (Map<String, Entry> entries : List.of(ended, open)) {
            entries.forEach((id, entry) -> entry.topics().forEach(topic -> {
                current.keep(topic, id, entry.latest(), MqttQoS.AT_LEAST_ONCE);
                try {
                    subscribed.publish(topic, entry.latest(), MqttQoS.AT_LEAST_ONCE);
                } catch (RuntimeException e) {
                    // One topic failing must not keep the others from their alarms (as in the fan-out).
                    log.error("Alarm {} could not be published on {} after the catch-up", id, topic, e);
                }
            }));
        }
    }

    synchronized boolean serving() {
        return serving;
    }

    /** How many alarms are not over. */
    synchronized int open() {
        return open.size();
    }

    /** How many alarms that ended are kept. */
    synchronized int ended() {
        return ended.size();
    }
}
