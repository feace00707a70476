package io.tocsin.ingest.mqtt;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;

/**
 * The will message a client left in its CONNECT: published if its connection ends without a normal DISCONNECT
 * (lost network, keep alive expiry, protocol error, take-over) or with MQTT 5 DISCONNECT 0x04.
 *
 * @param properties   MQTT 5 properties forwarded with it (content type, user properties ...)
 * @param delaySeconds MQTT 5 Will Delay Interval: a client back within it cancels the will
 */
public record LastWill(String topic, byte[] payload, MqttQoS qos, boolean retain, MqttProperties properties,
                       long delaySeconds) {
}
