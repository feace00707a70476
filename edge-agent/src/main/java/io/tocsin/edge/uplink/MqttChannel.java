package io.tocsin.edge.uplink;

import java.util.function.Consumer;

/**
 * An MQTT uplink (version 5 or 3.1.1) that also carries what is not telemetry: configurations the platform
 * pushes to the gateway, and the gateway's reports about them.
 */
public interface MqttChannel extends Uplink {

    /**
     * Subscribes at QoS 1 now and again after every reconnect (sessions are clean: the broker forgets
     * subscriptions with the connection). {@code onMessage} runs on the client's callback thread: hand work off,
     * never block it. A retained message is delivered on every (re)subscribe.
     */
    void subscribe(String topic, Consumer<byte[]> onMessage) throws UplinkException;

    /** Publishes at QoS 1 without waiting for the acknowledgement (safe from a callback thread). */
    void publish(String topic, byte[] payload, boolean retained) throws UplinkException;

    boolean isConnected();
}
