package io.tocsin.ingest.pubsub;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;

/** Something that receives the messages its subscriptions match: in practice, a connected MQTT client. */
public interface Subscriber {

    /** For log lines. */
    String clientId();

    /** Whether it can receive now (a connected client); shared subscriptions prefer those. */
    default boolean online() {
        return true;
    }

    /**
     * Sends one message. Called from any thread; must not block. The payload array is shared between
     * subscribers and must not be modified.
     *
     * @param properties MQTT 5 properties to forward with the message (empty for none)
     */
    void deliver(String topic, byte[] payload, MqttQoS qos, MqttProperties properties);
}
