package io.tocsin.ingest.pubsub;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
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
 * <p>QoS 1 and 2 messages sent and not acknowledged yet are remembered (in sending order) until the exchange ends:
 * QoS 1 at the client's PUBACK; QoS 2 (MQTT 4.3.3, server as sender) at its PUBCOMP, after PUBLISH, PUBREC and the
 * server's PUBREL, or at an MQTT 5 PUBREC with a reason code of 0x80 or more. If the connection closes first, they
 * go back to the session and are resent when the client returns (if its session persists): QoS 1 with DUP, QoS 2
 * with DUP under its original packet identifier when no PUBREC came, else only its PUBREL, so a QoS 2 message is
 * never delivered twice. The packet identifiers of QoS 2 exchanges are reserved in the session, so that no other
 * message takes one while it is open, on this connection or the next.
 *
 * <p>Outbound flow control (MQTT 5 Receive Maximum, 3.3.4-7): never more unacknowledged QoS 1 and 2 messages to a
 * client than its CONNECT allowed (a QoS 2 message holds its place until its PUBCOMP). The rest wait here, in order,
 * and leave as exchanges end; at most the session's queue bound wait (oldest dropped, counted as not delivered;
 * never a QoS 2 exchange already started). QoS 0 messages are not held.
 *
 * <p>A subscriber that stops reading must not make the server buffer without bound: once its connection is over
 * its write buffer high-water mark, QoS 0 messages to it are dropped and a QoS 1 message disconnects it (so that
 * it reconnects and is visible in the logs, rather than silently falling behind on alarms); that message stays
 * in its session if it persists.
 *
 * <p>Everything here but {@link #deliver} runs on the connection's event loop.
 */
public final class ChannelSubscriber {

    private static final Logger log = LoggerFactory.getLogger(ChannelSubscriber.class);
    private static final AttributeKey<ChannelSubscriber> KEY = AttributeKey.valueOf(ChannelSubscriber.class, "subscriber");
    /** Fixed header (up to 5 bytes) + topic length (2) + packet id (2) + properties length (up to 4). */
    private static final int PUBLISH_OVERHEAD_BYTES = 13;

    private final ConnectedClient client;
    private final Session session;
    private final Counter dropped;
    private final Map<Integer, InFlight> unacknowledged = new LinkedHashMap<>();
    /** QoS 1 and 2 messages held back by the client's Receive Maximum, in order. */
    private final ArrayDeque<Delivery> waiting = new ArrayDeque<>();

    /** What the client owes for a message sent and not acknowledged. */
    private enum Awaiting { PUBACK, PUBREC, PUBCOMP }

    private static final class InFlight {
        final Delivery delivery;
        Awaiting awaiting;

        InFlight(Delivery delivery, Awaiting awaiting) {
            this.delivery = delivery;
            this.awaiting = awaiting;
        }
    }

    /** What a PUBREC from the client asks of the server. */
    enum PubRecOutcome {
        /** A QoS 2 message the client received: answer PUBREL. */
        RELEASE,
        /** MQTT 5 PUBREC with a reason code of 0x80 or more: the exchange ends here, no PUBREL. */
        REFUSED,
        /** No QoS 2 message waits for a PUBREC under that packet identifier: PUBREL 0x92 (MQTT 5). */
        UNKNOWN
    }

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

    /** PUBACK: the client acknowledged a QoS 1 message; false when none was waiting under that id. */
    boolean acknowledged(int packetId) {
        InFlight inFlight = unacknowledged.get(packetId);
        if (inFlight == null || inFlight.awaiting != Awaiting.PUBACK) {
            return false;
        }
        unacknowledged.remove(packetId);
        sendWaiting();
        return true;
    }

    /**
     * PUBREC: the client received a QoS 2 message ({@code refused}: MQTT 5 reason code 0x80 or more, the exchange
     * ends and its Receive Maximum place is free again, MQTT 4.9). A repeated PUBREC for a message already released
     * is answered with PUBREL again.
     */
    PubRecOutcome received(int packetId, boolean refused) {
        InFlight inFlight = unacknowledged.get(packetId);
        if (inFlight == null || inFlight.awaiting == Awaiting.PUBACK) {
            return PubRecOutcome.UNKNOWN;
        }
        if (refused && inFlight.awaiting == Awaiting.PUBREC) {
            unacknowledged.remove(packetId);
            session.releasePacketId(packetId);
            sendWaiting();
            return PubRecOutcome.REFUSED;
        }
        inFlight.awaiting = Awaiting.PUBCOMP;
        return PubRecOutcome.RELEASE;
    }

    /** PUBCOMP: a QoS 2 exchange is over; false when none waited for it under that id. */
    boolean completed(int packetId) {
        InFlight inFlight = unacknowledged.get(packetId);
        if (inFlight == null || inFlight.awaiting != Awaiting.PUBCOMP) {
            return false;
        }
        unacknowledged.remove(packetId);
        session.releasePacketId(packetId);
        sendWaiting();
        return true;
    }

    /** A Receive Maximum place came free: the messages held back leave, in order. */
    private void sendWaiting() {
        while (!waiting.isEmpty() && unacknowledged.size() < client.receiveMaximum()) {
            send(waiting.pollFirst(), true);
        }
    }

    /**
     * The messages held back by the Receive Maximum, not sent on this connection (QoS 2 resends among them keep
     * their packet identifier); forgets them. Event loop only.
     */
    List<Delivery> takeWaiting() {
        List<Delivery> taken = new ArrayList<>(waiting);
        waiting.clear();
        return taken;
    }

    /**
     * The messages sent and not acknowledged, in sending order, as they are to be resent: QoS 1 with DUP, QoS 2 with
     * DUP under the same packet identifier, or as its PUBREL once the PUBREC came. Forgets them (their QoS 2 packet
     * identifiers stay reserved in the session). Event loop only.
     */
    List<Delivery> takeUnacknowledged() {
        List<Delivery> taken = new ArrayList<>(unacknowledged.size());
        unacknowledged.forEach((packetId, inFlight) -> taken.add(switch (inFlight.awaiting) {
            case PUBACK -> inFlight.delivery.asDuplicate();
            case PUBREC -> inFlight.delivery.resentAs(packetId);
            case PUBCOMP -> inFlight.delivery.releasedAs(packetId);
        }));
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
        if (!delivery.started() && delivery.expired(now)) {
            return;
        }
        MqttProperties properties = client.isV5() && !delivery.released() ? delivery.propertiesAt(now)
                : MqttProperties.NO_PROPERTIES;
        if (client.isV5() && !delivery.released()
                && packetSize(topic, delivery.payload(), properties) > client.maximumPacketSize()) {
            // MQTT 5 3.1.2-25: never send a client more than it said it accepts.
            dropped.increment();
            log.warn("Message on {} not delivered to client {}: {} bytes payload exceeds its maximum packet size {}",
                    topic, client, delivery.payload().length, client.maximumPacketSize());
            if (delivery.started()) {
                session.releasePacketId(delivery.packetId());
            }
            return;
        }
        MqttQoS qos = delivery.qos();
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
        if (qos != MqttQoS.AT_MOST_ONCE && !fromWaiting
                && (!waiting.isEmpty() || unacknowledged.size() >= client.receiveMaximum())) {
            holdBack(delivery);
            return;
        }
        int packetId = 0;
        if (qos != MqttQoS.AT_MOST_ONCE) {
            packetId = delivery.started() && !unacknowledged.containsKey(delivery.packetId())
                    ? delivery.packetId() : freePacketId();
            Awaiting awaiting = qos == MqttQoS.AT_LEAST_ONCE ? Awaiting.PUBACK
                    : delivery.released() ? Awaiting.PUBCOMP : Awaiting.PUBREC;
            unacknowledged.put(packetId, new InFlight(delivery, awaiting));
            if (qos == MqttQoS.EXACTLY_ONCE) {
                session.reservePacketId(packetId);
            }
        }
        if (delivery.released()) {
            channel.writeAndFlush(pubRel(packetId, 0), channel.voidPromise());
            return;
        }
        MqttPublishMessage publish = new MqttPublishMessage(
                new MqttFixedHeader(MqttMessageType.PUBLISH, delivery.duplicate() && qos != MqttQoS.AT_MOST_ONCE,
                        qos, delivery.retained(), 0),
                new MqttPublishVariableHeader(topic, packetId, properties),
                Unpooled.wrappedBuffer(delivery.payload()));
        channel.writeAndFlush(publish, channel.voidPromise());
    }

    /** A packet identifier neither in flight on this connection nor held by an open QoS 2 exchange of the session. */
    private int freePacketId() {
        for (int attempt = 0; attempt < 0xFFFF; attempt++) {
            int candidate = client.nextPacketId();
            if (!unacknowledged.containsKey(candidate) && !session.packetIdReserved(candidate)) {
                return candidate;
            }
        }
        // Cannot happen: the Receive Maximum (at most 65,535) bounds what is in flight, and held-back messages
        // keep the rest waiting.
        throw new IllegalStateException("no free packet identifier for client " + client);
    }

    /** A PUBREL (fixed header flags 0b0010, MQTT 3.6.1-1) with an MQTT 5 reason code (0 is left out on the wire). */
    static MqttMessage pubRel(int packetId, int reasonCode) {
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREL, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                new MqttPubReplyMessageVariableHeader(packetId, (byte) reasonCode, MqttProperties.NO_PROPERTIES));
    }

    private void holdBack(Delivery delivery) {
        if (waiting.size() >= Math.max(1, session.maxQueued())) {
            Delivery oldest = Session.removeOldestDroppable(waiting);
            if (oldest != null) {
                dropped.increment();
                log.warn("Client {} has {} messages waiting for its Receive Maximum of {} (the bound): dropped the "
                        + "oldest, on {}", client, waiting.size() + 1, client.receiveMaximum(), oldest.topic());
            }
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
