package io.tocsin.ingest.pubsub;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Who is subscribed to what, and routing of a published message to them.
 *
 * <p>Routing walks every subscriber's filters. The subscribers are stations, consoles and sirens (tens to
 * hundreds), not the devices, which only publish; if that changes, replace the walk by a topic tree. Each
 * subscriber's filters form an immutable map replaced on change, so routing (from any event loop or the alarm
 * thread) reads them without locks.
 *
 * <p>A subscriber whose filters overlap gets one copy at the highest QoS granted among the matching ones
 * (MQTT 3.3.4-2 allows either; one copy spares a siren a double alarm).
 */
public final class SubscriptionRegistry implements MessagePublisher {

    private final ConcurrentMap<Subscriber, Map<String, Subscription>> subscriptions = new ConcurrentHashMap<>();

    /** One filter of one subscriber. */
    public record Subscription(TopicFilter filter, MqttQoS grantedQos, boolean noLocal) {
    }

    /** Adds a subscription, replacing one with the same filter (MQTT 3.8.4-3). */
    public void subscribe(Subscriber subscriber, TopicFilter filter, MqttQoS grantedQos, boolean noLocal) {
        Subscription subscription = new Subscription(filter, grantedQos, noLocal);
        subscriptions.compute(subscriber, (key, existing) -> {
            Map<String, Subscription> updated = existing == null ? new HashMap<>() : new HashMap<>(existing);
            updated.put(filter.toString(), subscription);
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
        if (qos == MqttQoS.EXACTLY_ONCE || qos == MqttQoS.FAILURE) {
            throw new IllegalArgumentException("only QoS 0 and 1 are supported: " + qos);
        }
        String[] levels = TopicFilter.levels(topic);
        int delivered = 0;
        for (Map.Entry<Subscriber, Map<String, Subscription>> entry : subscriptions.entrySet()) {
            Subscriber subscriber = entry.getKey();
            MqttQoS best = null;
            for (Subscription subscription : entry.getValue().values()) {
                if (subscription.noLocal() && subscriber == publisher) {
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
        return delivered;
    }
}
