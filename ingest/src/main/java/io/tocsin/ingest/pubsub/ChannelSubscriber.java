package io.tocsin.ingest.pubsub;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.util.AttributeKey;
import io.tocsin.ingest.mqtt.ConnectedClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;

/**
 * A connected client as a {@link Subscriber}: turns a routed message into a PUBLISH on its connection.
 *
 * <p>Writes happen on the connection's event loop (routing may run on another loop or on the alarm thread), so
 * packet identifiers need no lock and messages from one publisher keep their order.
 *
 * <p>A subscriber that stops reading must not make the server buffer without bound: once its connection is over
 * its write buffer high-water mark, QoS 0 messages to it are dropped and a QoS 1 message disconnects it (so that
 * it reconnects and is visible in the logs, rather than silently falling behind on alarms).
 */
public final class ChannelSubscriber implements Subscriber {

    private static final Logger log = LoggerFactory.getLogger(ChannelSubscriber.class);
    private static final AttributeKey<ChannelSubscriber> KEY = AttributeKey.valueOf(ChannelSubscriber.class, "subscriber");
    /** Fixed header (up to 5 bytes) + topic length (2) + packet id (2) + properties length (up to 4). */
    private static final int PUBLISH_OVERHEAD_BYTES = 13;

    private final ConnectedClient client;
    private final Counter dropped;

    private ChannelSubscriber(ConnectedClient client, Counter dropped) {
        this.client = client;
        this.dropped = dropped;
    }

    /** The subscriber of a client's connection, created on its first use. Event loop only. */
    static ChannelSubscriber of(ConnectedClient client, Counter dropped) {
        Channel channel = client.channel();
        ChannelSubscriber subscriber = channel.attr(KEY).get();
        if (subscriber == null) {
            subscriber = new ChannelSubscriber(client, dropped);
            channel.attr(KEY).set(subscriber);
        }
        return subscriber;
    }

    /** The subscriber of a connection, if it ever subscribed. */
    static Optional<ChannelSubscriber> find(Channel channel) {
        return Optional.ofNullable(channel.attr(KEY).get());
    }

    @Override
    public String clientId() {
        return client.clientId();
    }

    @Override
    public void deliver(String topic, byte[] payload, MqttQoS qos, MqttProperties properties) {
        Channel channel = client.channel();
        if (!channel.isActive()) {
            return;
        }
        EventLoop eventLoop = channel.eventLoop();
        if (eventLoop.inEventLoop()) {
            send(topic, payload, qos, properties);
            return;
        }
        try {
            eventLoop.execute(() -> send(topic, payload, qos, properties));
        } catch (RejectedExecutionException e) {
            // The server is shutting down: the connection is about to close anyway.
            log.debug("Delivery to client {} skipped: server shutting down", client.clientId());
        }
    }

    private void send(String topic, byte[] payload, MqttQoS qos, MqttProperties properties) {
        Channel channel = client.channel();
        if (!channel.isActive()) {
            return;
        }
        if (client.isV5() && packetSize(topic, payload, properties) > client.maximumPacketSize()) {
            // MQTT 5 3.1.2-25: never send a client more than it said it accepts.
            dropped.increment();
            log.warn("Message on {} not delivered to client {}: {} bytes payload exceeds its maximum packet size {}",
                    topic, client, payload.length, client.maximumPacketSize());
            return;
        }
        if (!channel.isWritable()) {
            dropped.increment();
            if (qos == MqttQoS.AT_MOST_ONCE) {
                log.debug("QoS 0 message on {} to client {} dropped: client not reading", topic, client);
                return;
            }
            log.warn("Disconnecting client {}: it is not reading its messages (write buffer full), message on {} "
                    + "dropped", client, topic);
            client.disconnect(MqttReasonCodes.Disconnect.QUOTA_EXCEEDED, "client not reading its messages");
            return;
        }
        int packetId = qos == MqttQoS.AT_LEAST_ONCE ? client.nextPacketId() : 0;
        MqttPublishMessage publish = new MqttPublishMessage(
                new MqttFixedHeader(MqttMessageType.PUBLISH, false, qos, false, 0),
                new MqttPublishVariableHeader(topic, packetId,
                        client.isV5() ? properties : MqttProperties.NO_PROPERTIES),
                Unpooled.wrappedBuffer(payload));
        channel.writeAndFlush(publish, channel.voidPromise());
    }

    private static long packetSize(String topic, byte[] payload, MqttProperties properties) {
        long size = PUBLISH_OVERHEAD_BYTES + (long) ByteBufUtil.utf8Bytes(topic) + payload.length;
        // Forwarded properties (content type, correlation data ...): identifier + length + value, slightly over.
        for (MqttProperties.MqttProperty<?> property : properties.listAll()) {
            Object value = property.value();
            if (value instanceof byte[] bytes) {
                size += 3 + bytes.length;
            } else if (value instanceof String string) {
                size += 3 + ByteBufUtil.utf8Bytes(string);
            } else if (value instanceof List<?> pairs) {
                for (Object pair : pairs) {
                    if (pair instanceof MqttProperties.StringPair stringPair) {
                        size += 5 + ByteBufUtil.utf8Bytes(stringPair.key) + ByteBufUtil.utf8Bytes(stringPair.value);
                    }
                }
            } else {
                size += 5;
            }
        }
        return size;
    }

    @Override
    public String toString() {
        return "subscriber " + client;
    }
}
