package io.tocsin.ingest.pubsub;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The last retained message of each topic (MQTT 3.3.1.3), in memory: a console that subscribes gets the current
 * state at once (a siren's last "armed" status, a site's last roll call) instead of waiting for the next change.
 *
 * <p>An empty retained payload deletes the topic's message. Bounded: past {@code maxTopics} topics a new one is
 * not retained (counted, WARN); replacing or deleting existing ones always works. Expired messages (MQTT 5
 * Message Expiry) are not sent and are forgotten when met.
 */
public final class RetainedMessages {

    public static final String REFUSED = "tocsin.ingest.retained.refused";
    public static final String RETAINED = "tocsin.ingest.retained";

    private static final Logger log = LoggerFactory.getLogger(RetainedMessages.class);

    private final int maxTopics;
    private final MeterRegistry meters;
    private final ConcurrentMap<String, Delivery> byTopic = new ConcurrentHashMap<>();

    public RetainedMessages(int maxTopics, MeterRegistry meters) {
        this.maxTopics = maxTopics;
        this.meters = meters;
        Gauge.builder(RETAINED, byTopic, ConcurrentMap::size).description("Retained messages held").register(meters);
    }

    /** A PUBLISH with the RETAIN flag: keep it (or delete the topic's message when the payload is empty). */
    public void retain(String topic, byte[] payload, MqttQoS qos, MqttProperties properties) {
        if (payload.length == 0) {
            byTopic.remove(topic);
            return;
        }
        if (byTopic.size() >= maxTopics && !byTopic.containsKey(topic)) {
            meters.counter(REFUSED).increment();
            log.warn("Retained message on {} not kept: {} topics already hold one (the bound)", topic, maxTopics);
            return;
        }
        Delivery delivery = Delivery.of(topic, payload, qos, properties);
        byTopic.put(topic, new Delivery(topic, payload, qos, properties, delivery.expiresAtNanos(), true, false));
    }

    /** The retained messages a filter matches, not expired. */
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
        return matches;
    }

    public int size() {
        return byTopic.size();
    }
}
