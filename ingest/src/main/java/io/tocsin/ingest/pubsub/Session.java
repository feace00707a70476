package io.tocsin.ingest.pubsub;

import io.micrometer.core.instrument.Counter;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The session of one client id: what the subscription registry routes to. While its client is connected it
 * hands messages to the connection; while it is away (persistent session), QoS 1 and 2 messages wait in a
 * bounded queue, so a console that lost its network gets the alarms it missed when it comes back. QoS 0 messages
 * for an absent client are dropped, as MQTT allows.
 *
 * <p>The bound: at most {@code maxQueued} messages; past it the oldest is dropped, counted and logged, since the
 * latest state of an alarm matters more than its history. Expired messages (MQTT 5 Message Expiry) are dropped
 * when they come to be sent. Neither applies to a QoS 2 exchange the client already knows by its packet identifier
 * (a PUBLISH it may have received, a PUBREL it waits for): it is finished, or the client would take a later message
 * with that identifier for a duplicate. There are at most Receive Maximum of those.
 *
 * <p>The packet identifiers of open QoS 2 exchanges are reserved here, across the client's connections, so that a
 * new connection (also one taking over) never gives a new message an identifier the client still holds.
 *
 * <p>Thread safe: routing calls {@link #deliver} from any thread; attach and detach run on the event loop of
 * the connection concerned. Everything under this object's lock, so queued messages keep their order ahead of
 * live ones.
 */
final class Session implements Subscriber {

    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final String clientId;
    private final int maxQueued;
    private final Counter overflow;
    private final ArrayDeque<Delivery> queue = new ArrayDeque<>();
    /** Packet identifiers of QoS 2 exchanges sent and not completed (read and written from event loops). */
    private final Set<Integer> reservedPacketIds = ConcurrentHashMap.newKeySet();
    private ChannelSubscriber connection;
    private long expirySeconds;
    private ScheduledFuture<?> expiry;

    Session(String clientId, int maxQueued, Counter overflow) {
        this.clientId = clientId;
        this.maxQueued = maxQueued;
        this.overflow = overflow;
    }

    @Override
    public String clientId() {
        return clientId;
    }

    @Override
    public void deliver(String topic, byte[] payload, MqttQoS qos, MqttProperties properties) {
        deliver(Delivery.of(topic, payload, qos, properties));
    }

    synchronized void deliver(Delivery delivery) {
        if (connection != null) {
            connection.deliver(delivery);
        } else {
            enqueue(delivery);
        }
    }

    /** A message the connection could not send (it closed, or stopped reading): keep it for the next one. */
    synchronized void undelivered(Delivery delivery) {
        enqueue(delivery);
    }

    private void enqueue(Delivery delivery) {
        if (delivery.qos() == MqttQoS.AT_MOST_ONCE || expirySeconds == 0) {
            return;
        }
        if (queue.size() >= maxQueued) {
            Delivery dropped = removeOldestDroppable(queue);
            if (dropped != null) {
                overflow.increment();
                log.warn("Session of client {} has {} messages waiting (the bound): dropped the oldest, on {}",
                        clientId, maxQueued, dropped.topic());
            }
        }
        queue.addLast(delivery);
    }

    /** The client is connected again on this connection: queued messages go first. Event loop of the connection. */
    synchronized void attach(ChannelSubscriber subscriber) {
        cancelExpiry();
        connection = subscriber;
        long now = System.nanoTime();
        int sent = 0;
        while (!queue.isEmpty()) {
            Delivery delivery = queue.pollFirst();
            if (delivery.started() || !delivery.expired(now)) {
                subscriber.deliver(delivery);
                sent++;
            }
        }
        if (sent > 0) {
            log.info("Client {} resumed its session: {} queued messages sent", clientId, sent);
        }
    }

    /**
     * The connection closed: its unacknowledged messages (as {@link ChannelSubscriber#takeUnacknowledged} prepared
     * them for resending) go back to the head of the queue, resent when the client returns (MQTT 4.4). Only if it is
     * still this session's connection (not taken over).
     */
    synchronized boolean detach(ChannelSubscriber subscriber, List<Delivery> unacknowledged,
                                List<Delivery> neverSent) {
        if (connection != subscriber) {
            // Taken over by a newer connection of the same client id: it gets the old one's unacknowledged messages.
            if (expirySeconds > 0 && connection != null) {
                unacknowledged.forEach(connection::deliver);
                neverSent.forEach(connection::deliver);
            }
            return false;
        }
        connection = null;
        if (expirySeconds > 0) {
            // Held back by the client's Receive Maximum: never sent, so no DUP; they come after the unacknowledged.
            for (int i = neverSent.size() - 1; i >= 0; i--) {
                queue.addFirst(neverSent.get(i));
            }
            for (int i = unacknowledged.size() - 1; i >= 0; i--) {
                queue.addFirst(unacknowledged.get(i));
            }
            while (queue.size() > maxQueued) {
                Delivery dropped = removeOldestDroppable(queue);
                if (dropped == null) {
                    break;
                }
                overflow.increment();
                log.warn("Session of client {} has more than {} messages waiting (the bound): dropped the oldest, "
                        + "on {}", clientId, maxQueued, dropped.topic());
            }
        }
        return true;
    }

    /** Removes and returns the oldest message not part of a started QoS 2 exchange; null when there is none. */
    static Delivery removeOldestDroppable(Deque<Delivery> deliveries) {
        for (Iterator<Delivery> it = deliveries.iterator(); it.hasNext(); ) {
            Delivery delivery = it.next();
            if (!delivery.started()) {
                it.remove();
                return delivery;
            }
        }
        return null;
    }

    void reservePacketId(int packetId) {
        reservedPacketIds.add(packetId);
    }

    void releasePacketId(int packetId) {
        reservedPacketIds.remove(packetId);
    }

    boolean packetIdReserved(int packetId) {
        return reservedPacketIds.contains(packetId);
    }

    synchronized void expiry(long seconds) {
        this.expirySeconds = seconds;
    }

    synchronized long expirySeconds() {
        return expirySeconds;
    }

    synchronized void expiresWith(ScheduledFuture<?> timer) {
        cancelExpiry();
        expiry = timer;
    }

    synchronized boolean connected() {
        return connection != null;
    }

    @Override
    public boolean online() {
        return connected();
    }

    int maxQueued() {
        return maxQueued;
    }

    synchronized int queued() {
        return queue.size();
    }

    private void cancelExpiry() {
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
    }

    @Override
    public String toString() {
        return "session " + clientId;
    }
}
