package io.tocsin.ingest.pubsub;

import io.netty.handler.codec.mqtt.MqttQoS;

/**
 * The current messages of a topic that has many at once, one per key: what a new subscription gets right away,
 * like a retained message (RETAIN flag set), where MQTT retains only one per topic. The server's own publishers
 * use it for state made of many items: the active alarms on a station's or a site's alarm topic, so that a console
 * that subscribes after a reconnect to another ingest node or after a restart, without its session, still gets
 * every alarm that is not over. {@link RetainedMessages} is the implementation.
 */
public interface CurrentMessages {

    /** Keeps (or replaces) the message of {@code key} on {@code topic}. */
    void keep(String topic, String key, byte[] payload, MqttQoS qos);

    /** Drops the message of {@code key} on {@code topic}, if any. */
    void forget(String topic, String key);
}
