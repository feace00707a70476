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

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;

/**
 * The connection of a client as the end of its {@link Session}: turns a routed message into a PUBLISH.
 *
 * <p>Writes happen on the connection's event loop (routing may run on another loop or on the alarm thread), so
 * packet identifiers need no lock and messages keep their order.
 *
 * <p>QoS 1 messages sent and not acknowledged yet are remembered (in sending order) until the client's PUBACK:
 * if the connection closes first, they go back to the session and are resent when the client returns (if its
 * session persists).
 *
 * <p>Outbound flow control (MQTT 5 Receive Maximum, 3.3.4-7): never more unacknowledged QoS 1 messages to a
 * client than its CONNECT allowed. The rest wait here, in order, and leave as PUBACKs come in; at most the
 * session's queue bound wait (oldest dropped, counted as not delivered). QoS 0 messages are not held.
 *
 * <p>A subscriber that stops reading must not make the server buffer without bound: once its connection is over
 * its write buffer high-water mark, QoS 0 messages to it are dropped and a QoS 1 message disconnects it (so that
 * it reconnects and is visible in the logs, rather than silently falling behind on alarms); that message stays
 * in its session if it persists.
 */
public final class ChannelSubscriber {

    private static final Logger log = LoggerFactory.getLogger(ChannelSubscriber.class);
    private static final AttributeKey<ChannelSubscriber> KEY = AttributeKey.valueOf(ChannelSubscriber.class, "subscriber");
    /** Fixed header (up to 5 bytes) + topic length (2) + packet id (2) + properties length (up to 4). */
    private static final int PUBLISH_OVERHEAD_BYTES = 13;

    private final ConnectedClient client;
    private final Session session;
    private final Counter dropped;
    private final Map<Integer, Delivery> unacknowledged = new LinkedHashMap<>();
    /** QoS 1 messages held back by the client's Receive Maximum, in order. */
    private final ArrayDeque<Delivery> waiting = new ArrayDeque<>();

    private ChannelSubscriber(ConnectedClient client, Session session, Counter dropped) {
        this.client = client;
        this.session = session;
        this.dropped = dropped;
    }

    /** Binds a session to a client's connection. Event loop only. */
    static ChannelSubscriber attach(ConnectedClient client, Session session, Counter dropped) {
        ChannelSubscriber subscriber = new ChannelSubscriber(client, session, dropped);
        client.channel().attr(KEY).set(subscriber);
        return subscriber;
    }

    /** The subscriber of a connection, once its session is open. */
    static Optional<ChannelSubscriber> find(Channel channel) {
        return Optional.ofNullable(channel.attr(KEY).get());
    }

    Session session() {
        return session;
    }

    public String clientId() {
        return client.clientId();
    }

    /** The client acknowledged a QoS 1 message. Event loop only. */
    void acknowledged(int packetId) {
        if (unacknowledged.remove(packetId) == null) {
            return;
        }
        while (!waiting.isEmpty() && unacknowledged.size() < client.receiveMaximum()) {
            send(waiting.pollFirst(), true);
        }
    }

    /** The QoS 1 messages held back by the Receive Maximum, never sent; forgets them. Event loop only. */
    List<Delivery> takeWaiting() {
        List<Delivery> taken = new ArrayList<>(waiting);
        waiting.clear();
        return taken;
    }

    /** The QoS 1 messages sent and not acknowledged, in sending order; forgets them. Event loop only. */
    List<Delivery> takeUnacknowledged() {
        List<Delivery> taken = new ArrayList<>(unacknowledged.values());
        unacknowledged.clear();
        return taken;
    }

    void deliver(Delivery delivery) {
        Channel channel = client.channel();
        if (!channel.isActive()) {
            session.undelivered(delivery);
            return;
        }
        EventLoop eventLoop = channel.eventLoop();
        if (eventLoop.inEventLoop()) {
            send(delivery, false);
            return;
        }
        try {
            eventLoop.execute(() -> send(delivery, false));
        } catch (RejectedExecutionException e) {
            // The server is shutting down: the connection is about to close anyway.
            log.debug("Delivery to client {} skipped: server shutting down", client.clientId());
        }
    }

    /** @param fromWaiting the delivery was held back by the Receive Maximum and now has room */
    private void send(Delivery delivery, boolean fromWaiting) {
        Channel channel = client.channel();
        String topic = delivery.topic();
        if (!channel.isActive()) {
            session.undelivered(delivery);
            return;
        }
        long now = System.nanoTime();
        if (delivery.expired(now)) {
            return;
        }
        MqttProperties properties = client.isV5() ? delivery.propertiesAt(now) : MqttProperties.NO_PROPERTIES;
        if (client.isV5() && packetSize(topic, delivery.payload(), properties) > client.maximumPacketSize()) {
            // MQTT 5 3.1.2-25: never send a client more than it said it accepts.
            dropped.increment();
            log.warn("Message on {} not delivered to client {}: {} bytes payload exceeds its maximum packet size {}",
                    topic, client, delivery.payload().length, client.maximumPacketSize());
            return;
        }
        MqttQoS qos = delivery.qos() == MqttQoS.EXACTLY_ONCE ? MqttQoS.AT_LEAST_ONCE : delivery.qos();
        if (!channel.isWritable()) {
            dropped.increment();
            if (qos == MqttQoS.AT_MOST_ONCE) {
                log.debug("QoS 0 message on {} to client {} dropped: client not reading", topic, client);
                return;
            }
            log.warn("Disconnecting client {}: it is not reading its messages (write buffer full), message on {} "
                    + "kept in its session if it persists", client, topic);
            session.undelivered(delivery);
            client.disconnect(MqttReasonCodes.Disconnect.QUOTA_EXCEEDED, "client not reading its messages");
            return;
        }
        if (qos == MqttQoS.AT_LEAST_ONCE && !fromWaiting
                && (!waiting.isEmpty() || unacknowledged.size() >= client.receiveMaximum())) {
            holdBack(delivery);
            return;
        }
        int packetId = 0;
        if (qos == MqttQoS.AT_LEAST_ONCE) {
            packetId = client.nextPacketId();
            unacknowledged.put(packetId, delivery);
        }
        MqttPublishMessage publish = new MqttPublishMessage(
                new MqttFixedHeader(MqttMessageType.PUBLISH, delivery.duplicate() && qos != MqttQoS.AT_MOST_ONCE,
                        qos, delivery.retained(), 0),
                new MqttPublishVariableHeader(topic, packetId, properties),
                Unpooled.wrappedBuffer(delivery.payload()));
        channel.writeAndFlush(publish, channel.voidPromise());
    }
    private void holdBack(Delivery delivery) {
        if (waiting.size() >= Math.max(1, session.maxQueued())) {
            Delivery oldest = waiting.pollFirst();
            dropped.increment();
            log.warn("Client {} has {} messages waiting for its Receive Maximum of {} (the bound): dropped the oldest, "
                    + "on {}", client, waiting.size() + 1, client.receiveMaximum(), oldest.topic());
        }
        waiting.addLast(delivery);
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
