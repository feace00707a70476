package io.tocsin.ingest.pubsub;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;

import java.util.concurrent.CompletableFuture;

/**
 * Hands a message that one client published to others (not telemetry, not alarms) to the other ingest nodes behind
 * the load balancer, so that their subscribers get it too; this node has delivered it to its own already. A server
 * built without one ({@link #NONE}) is a single node. Implemented over Kafka by
 * {@code io.tocsin.ingest.cluster.KafkaClientMessageRelay}.
 */
@FunctionalInterface
public interface ClientMessageRelay {

    /** A single node: nothing to hand on. */
    ClientMessageRelay NONE = (topic, payload, qos, retain, properties) -> CompletableFuture.completedFuture(null);

    /**
     * Completes once the other nodes will get the message (it is stored where they read it), exceptionally when
     * they will not. Must not block; safe from any thread.
     *
     * @param retain     published with RETAIN: it becomes the topic's retained message on every node (an empty
     *                   payload removes it)
     * @param properties the MQTT 5 properties forwarded to receivers
     */
    CompletableFuture<?> relay(String topic, byte[] payload, MqttQoS qos, boolean retain, MqttProperties properties);
}
