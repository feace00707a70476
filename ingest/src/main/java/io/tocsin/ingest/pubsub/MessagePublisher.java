package io.tocsin.ingest.pubsub;

import io.netty.handler.codec.mqtt.MqttQoS;

/**
 * Publishes a message from the server itself to the clients subscribed to its topic; what {@code AlarmFanout}
 * uses to reach fire stations. {@link SubscriptionRegistry} is the implementation.
 */
@FunctionalInterface
public interface MessagePublisher {

    /**
     * Hands a message to every subscriber whose filters match the topic, at the lower of {@code qos} and the QoS
     * each one was granted. Does not wait for the network. Safe from any thread.
     *
     * @param topic a topic name (no wildcards)
     * @return how many subscribers it was handed to; 0 means nobody listens on that topic
     */
    int publish(String topic, byte[] payload, MqttQoS qos);
}
