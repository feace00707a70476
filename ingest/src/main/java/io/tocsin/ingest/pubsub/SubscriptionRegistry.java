package io.tocsin.ingest.pubsub;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who is subscribed to what, and routing of a published message to them.
 *
 * <p>Routing walks every subscriber's filters. The subscribers are stations, consoles and sirens (tens to
 * hundreds), not the devices, which only publish; if that changes, replace the walk by a topic tree. Each
 * subscriber's filters form an immutable map replaced on change, so routing (from any event loop or the alarm
 * thread) reads them without locks.
 *
 * <p>Delivery QoS is the lower of the message's and the subscription's (MQTT 3.3.4): a QoS 2 message reaches a
 * subscription granted QoS 2 at QoS 2, one granted QoS 1 at QoS 1.
 *
 * <p>A subscriber whose filters overlap gets one copy at the highest QoS granted among the matching ones
 * (MQTT 3.3.4-2 allows either; one copy spares a siren a double alarm).
 */
public final class SubscriptionRegistry implements MessagePublisher {

    private final ConcurrentMap<Subscriber, Map<String, Subscription>> subscriptions = new ConcurrentHashMap<>();
    /** Round-robin position of each shared subscription group ("share name" + NUL + filter). */
    private final ConcurrentMap<String, AtomicInteger> shareTurns = new ConcurrentHashMap<>();

    /**
     * One filter of one subscriber.
     *
     * @param shareName the group of a shared subscription ({@code $share/{shareName}/{filter}}); null otherwise
     */
    public record Subscription(TopicFilter filter, MqttQoS grantedQos, boolean noLocal, String shareName) {

        public Subscription(TopicFilter filter, MqttQoS grantedQos, boolean noLocal) {
            this(filter, grantedQos, noLocal, null);
        }

        /** The key under which the subscriber holds it: what it subscribed and unsubscribes with. */
        String key() {
            return shareName == null ? filter.toString() : SHARED_PREFIX + shareName + "/" + filter;
        }
    }

    static final String SHARED_PREFIX = "$share/";

    /** Adds a subscription, replacing one with the same filter (MQTT 3.8.4-3). */
    public void subscribe(Subscriber subscriber, TopicFilter filter, MqttQoS grantedQos, boolean noLocal) {
        add(subscriber, new Subscription(filter, grantedQos, noLocal));
    }

    /**
     * Adds a shared subscription (MQTT 5 4.8.2): each message matching it goes to one member of the group, taking
     * turns, preferring members that are connected (consoles of one control room share the load, and an alarm
     * reaches someone who is there).
     */
    public void subscribeShared(Subscriber subscriber, String shareName, TopicFilter filter, MqttQoS grantedQos) {
        add(subscriber, new Subscription(filter, grantedQos, false, shareName));
    }

    private void add(Subscriber subscriber, Subscription subscription) {
        subscriptions.compute(subscriber, (key, existing) -> {
            Map<String, Subscription> updated = existing == null ? new HashMap<>() : new HashMap<>(existing);
            updated.put(subscription.key(), subscription);
            return Map.copyOf(updated);
        });
    }

    /** Removes one filter; false when the subscriber had no such subscription. */
    public boolean unsubscribe(Subscriber subscriber, String filter) {
        boolean[] removed = {false};
        subscriptions.computeIfPresent(subscriber, (key, existing) -> {
            if (!existing.containsKey(filter)) {
                return existing;
            }
            removed[0] = true;
            Map<String, Subscription> updated = new HashMap<>(existing);
            updated.remove(filter);
            return updated.isEmpty() ? null : Map.copyOf(updated);
        });
        return removed[0];
    }

    private record Candidate(Subscriber subscriber, MqttQoS grantedQos) {
    }

    /** The group member whose turn it is, among the connected ones if any is. */
    private Candidate choose(String group, List<Candidate> members) {
        List<Candidate> online = new ArrayList<>(members.size());
        for (Candidate member : members) {
            if (member.subscriber().online()) {
                online.add(member);
            }
        }
        List<Candidate> pool = online.isEmpty() ? members : online;
        // Iteration order of the registry is not stable: sort so that turns go round the same members.
        pool.sort(java.util.Comparator.comparing(member -> member.subscriber().clientId()));
        int turn = shareTurns.computeIfAbsent(group, key -> new AtomicInteger()).getAndIncrement();
        return pool.get(Math.floorMod(turn, pool.size()));
    }

    /** Forgets every subscription of a subscriber (its connection closed: sessions do not persist yet). */
    public void removeAll(Subscriber subscriber) {
        subscriptions.remove(subscriber);
    }

    /** The subscriptions of one subscriber, by filter. */
    public Map<String, Subscription> subscriptionsOf(Subscriber subscriber) {
        return subscriptions.getOrDefault(subscriber, Map.of());
    }

    /** Server-originated message (alarms): no publisher, no properties. */
    @Override
    public int publish(String topic, byte[] payload, MqttQoS qos) {
        return route(null, topic, payload, qos, MqttProperties.NO_PROPERTIES);
    }

    /**
     * Delivers a message to the matching subscribers.
     *
     * @param publisher  the subscriber that published it, for MQTT 5 No Local; null when not a subscriber
     * @param properties MQTT 5 properties to forward
     * @return the number of subscribers it was handed to
     */
    public int route(Subscriber publisher, String topic, byte[] payload, MqttQoS qos, MqttProperties properties) {
        if (!TopicFilter.isValidTopicName(topic)) {
            throw new IllegalArgumentException("not a topic name: '" + topic + "'");
        }
        if (qos == MqttQoS.FAILURE) {
            throw new IllegalArgumentException("not a QoS: " + qos);
        }
        String[] levels = TopicFilter.levels(topic);
        int delivered = 0;
        Map<String, List<Candidate>> groups = null;
        for (Map.Entry<Subscriber, Map<String, Subscription>> entry : subscriptions.entrySet()) {
            Subscriber subscriber = entry.getKey();
            MqttQoS best = null;
            for (Subscription subscription : entry.getValue().values()) {
                if (subscription.noLocal() && subscriber == publisher) {
                    continue;
                }
                if (subscription.shareName() != null) {
                    if (subscription.filter().matches(levels)) {
                        if (groups == null) {
                            groups = new HashMap<>();
                        }
                        groups.computeIfAbsent(subscription.shareName() + '\u0000' + subscription.filter(),
                                group -> new ArrayList<>()).add(new Candidate(subscriber, subscription.grantedQos()));
                    }
                    continue;
                }
                if ((best == null || subscription.grantedQos().value() > best.value())
                        && subscription.filter().matches(levels)) {
                    best = subscription.grantedQos();
                }
            }
            if (best != null) {
                subscriber.deliver(topic, payload, best.value() < qos.value() ? best : qos, properties);
                delivered++;
            }
        }
        if (groups != null) {
            for (Map.Entry<String, List<Candidate>> group : groups.entrySet()) {
                Candidate chosen = choose(group.getKey(), group.getValue());
                chosen.subscriber().deliver(topic, payload,
                        chosen.grantedQos().value() < qos.value() ? chosen.grantedQos() : qos, properties);
                delivered++;
            }
        }
        return delivered;
    }
}
