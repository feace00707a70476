package io.tocsin.ingest.pubsub;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;

/**
 * One message on its way to one subscriber.
 *
 * @param expiresAtNanos {@link System#nanoTime()} after which it must not be delivered (MQTT 5 Message Expiry
 *                       Interval); {@link Long#MAX_VALUE} for never
 * @param retained       sent because of a retained message (RETAIN flag set on the PUBLISH)
 * @param duplicate      sent before without an acknowledgement (DUP flag set on the PUBLISH)
 */
record Delivery(String topic, byte[] payload, MqttQoS qos, MqttProperties properties, long expiresAtNanos,
                boolean retained, boolean duplicate) {

    static final long NEVER = Long.MAX_VALUE;

    static Delivery of(String topic, byte[] payload, MqttQoS qos, MqttProperties properties) {
        return new Delivery(topic, payload, qos, properties, expiry(properties), false, false);
    }

    boolean expired(long now) {
        return expiresAtNanos != NEVER && now - expiresAtNanos >= 0;
    }

    Delivery asDuplicate() {
        return new Delivery(topic, payload, qos, properties, expiresAtNanos, retained, true);
    }

    /** The properties to send now: the Message Expiry Interval counts down while the message waited (MQTT 3.3.2-6). */
    MqttProperties propertiesAt(long now) {
        if (expiresAtNanos == NEVER) {
            return properties;
        }
        MqttProperties updated = new MqttProperties();
        for (MqttProperties.MqttProperty<?> property : properties.listAll()) {
            if (property.propertyId() != MqttProperties.PUBLICATION_EXPIRY_INTERVAL) {
                updated.add(property);
            }
        }
        long remaining = Math.max(1, (expiresAtNanos - now) / 1_000_000_000L);
        updated.add(new MqttProperties.IntegerProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL, (int) remaining));
        return updated;
    }

    private static long expiry(MqttProperties properties) {
        MqttProperties.MqttProperty<?> expiry = properties.getProperty(MqttProperties.PUBLICATION_EXPIRY_INTERVAL);
        if (expiry == null || !(expiry.value() instanceof Integer seconds)) {
            return NEVER;
        }
        return System.nanoTime() + Integer.toUnsignedLong(seconds) * 1_000_000_000L;
    }
}
