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
 * @param packetId       0, or the packet identifier a QoS 2 exchange already started with on an earlier connection:
 *                       it is resent with that identifier (MQTT 4.4), as the client may hold it
 * @param released       QoS 2 whose PUBREC came: only the PUBREL remains to be (re)sent, under {@code packetId}
 */
record Delivery(String topic, byte[] payload, MqttQoS qos, MqttProperties properties, long expiresAtNanos,
                boolean retained, boolean duplicate, int packetId, boolean released) {

    static final long NEVER = Long.MAX_VALUE;
    private static final byte[] NO_PAYLOAD = new byte[0];

    Delivery(String topic, byte[] payload, MqttQoS qos, MqttProperties properties, long expiresAtNanos,
             boolean retained, boolean duplicate) {
        this(topic, payload, qos, properties, expiresAtNanos, retained, duplicate, 0, false);
    }

    static Delivery of(String topic, byte[] payload, MqttQoS qos, MqttProperties properties) {
        return new Delivery(topic, payload, qos, properties, expiry(properties), false, false);
    }

    boolean expired(long now) {
        return expiresAtNanos != NEVER && now - expiresAtNanos >= 0;
    }

    /** A QoS 1 message sent and not acknowledged: sent again with DUP (under a new packet identifier). */
    Delivery asDuplicate() {
        return new Delivery(topic, payload, qos, properties, expiresAtNanos, retained, true);
    }

    /** A QoS 2 message sent and not received (no PUBREC): sent again with DUP under the same packet identifier. */
    Delivery resentAs(int packetId) {
        return new Delivery(topic, payload, qos, properties, expiresAtNanos, retained, true, packetId, false);
    }

    /** A QoS 2 message the client received (PUBREC): only its PUBREL is left; the payload is not needed any more. */
    Delivery releasedAs(int packetId) {
        return new Delivery(topic, NO_PAYLOAD, qos, properties, expiresAtNanos, retained, true, packetId, true);
    }

    /**
     * The client already knows this message by its packet identifier: it must be finished (not dropped by a bound,
     * not expired), or the client would take a later message with the same identifier for a duplicate.
     */
    boolean started() {
        return packetId != 0;
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
