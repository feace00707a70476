package io.tocsin.ingest.pubsub;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The last retained message of each topic (MQTT 3.3.1.3), in memory: a console that subscribes gets the current
 * state at once (a siren's last "armed" status, a site's last roll call) instead of waiting for the next change.
 *
 * <p>An empty retained payload deletes the topic's message. Bounded: past {@code maxTopics} topics a new one is
 * not retained (counted, WARN); replacing or deleting existing ones always works. Expired messages (MQTT 5
 * Message Expiry) are not sent and are forgotten when met.
 *
 * <p>Alongside, the {@link CurrentMessages} of the server's own publishers: many per topic, one per key, in the order
 * they were last kept. They count towards the same bound, and a subscription gets them after the topic's retained
 * message.
 */
public final class RetainedMessages implements CurrentMessages {

    public static final String REFUSED = "tocsin.ingest.retained.refused";
    public static final String RETAINED = "tocsin.ingest.retained";

    private static final Logger log = LoggerFactory.getLogger(RetainedMessages.class);

    private final int maxTopics;
    private final MeterRegistry meters;
    private final ConcurrentMap<String, Delivery> byTopic = new ConcurrentHashMap<>();
    /** Topic -> key -> message, in the order kept; each inner map guarded by itself. */
    private final ConcurrentMap<String, Map<String, Delivery>> currentByTopic = new ConcurrentHashMap<>();
    private final AtomicInteger currentCount = new AtomicInteger();

    public RetainedMessages(int maxTopics, MeterRegistry meters) {
        this.maxTopics = maxTopics;
        this.meters = meters;
        Gauge.builder(RETAINED, this, RetainedMessages::size)
                .description("Retained messages held, current messages included").register(meters);
    }

    /** A PUBLISH with the RETAIN flag: keep it (or delete the topic's message when the payload is empty). */
    public void retain(String topic, byte[] payload, MqttQoS qos, MqttProperties properties) {
        if (payload.length == 0) {
            byTopic.remove(topic);
            return;
        }
        if (size() >= maxTopics && !byTopic.containsKey(topic)) {
            meters.counter(REFUSED).increment();
            log.warn("Retained message on {} not kept: {} topics already hold one (the bound)", topic, maxTopics);
            return;
        }
        Delivery delivery = Delivery.of(topic, payload, qos, properties);
        byTopic.put(topic, new Delivery(topic, payload, qos, properties, delivery.expiresAtNanos(), true, false));
    }

    @Override
    public void keep(String topic, String key, byte[] payload, MqttQoS qos) {
        Delivery message = new Delivery(topic, payload, qos, MqttProperties.NO_PROPERTIES, Delivery.NEVER, true,
                false);
        Map<String, Delivery> messages = currentByTopic.computeIfAbsent(topic, t -> new LinkedHashMap<>());
        synchronized (messages) {
            boolean replacing = messages.remove(key) != null; // re-inserted: the order is that of the last keep
            if (!replacing && size() >= maxTopics) {
                meters.counter(REFUSED).increment();
                log.warn("Current message {} on {} not kept: {} retained and current messages already held (the "
                        + "bound); a new subscription will not get it", key, topic, maxTopics);
                return;
            }
            messages.put(key, message);
            if (!replacing) {
                currentCount.incrementAndGet();
            }
        }
    }

    @Override
    public void forget(String topic, String key) {
        Map<String, Delivery> messages = currentByTopic.get(topic);
        if (messages == null) {
            return;
        }
        synchronized (messages) {
            if (messages.remove(key) != null) {
                currentCount.decrementAndGet();
            }
            // An empty map stays: removing it here could race with a keep that just looked it up.
        }
    }

    /** The retained messages a filter matches, not expired, then the current messages it matches. */
    List<Delivery> matching(TopicFilter filter) {
        long now = System.nanoTime();
        List<Delivery> matches = new ArrayList<>();
        byTopic.forEach((topic, delivery) -> {
            if (delivery.expired(now)) {
                byTopic.remove(topic, delivery);
            } else if (filter.matches(topic)) {
                matches.add(delivery);
            }
        });
        currentByTopic.forEach((topic, messages) -> {
            if (filter.matches(topic)) {
                synchronized (messages) {
                    matches.addAll(messages.values());
                }
            }
        });
        return matches;
    }

    /** Retained messages and current messages held. */
    public int size() {
        return byTopic.size() + currentCount.get();
    }
}
