package io.tocsin.ingest.pubsub;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.tocsin.ingest.mqtt.ConnectedClient;
import io.tocsin.ingest.mqtt.LastWill;
import io.tocsin.ingest.mqtt.SessionStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * The sessions of all client ids, in memory (a server restart ends them all; clients then see Session Present 0
 * and subscribe again).
 *
 * <ul>
 *   <li>A clean start (MQTT 5 Clean Start, 3.1.1 Clean Session) ends any previous session of the client id.</li>
 *   <li>A session with an expiry interval (MQTT 5 Session Expiry Interval; 3.1.1 Clean Session 0, which
 *       means "forever" and is capped by the server) keeps its subscriptions and queues QoS 1/2 messages while
 *       its client is away, up to a bound, then ends.</li>
 * </ul>
 *
 * <p>Wills are published here when a connection ends without a normal DISCONNECT: at once, or after the MQTT 5
 * Will Delay Interval (capped by the session expiry) unless the client came back meanwhile.
 */
public final class Sessions implements SessionStore {

    /** Messages dropped because an absent client's queue was full (tag-less: WARN names the client). */
    public static final String QUEUE_OVERFLOW = "tocsin.ingest.session.queue.overflow";
    public static final String SESSIONS = "tocsin.ingest.sessions";
    public static final String WILLS_PUBLISHED = "tocsin.ingest.wills.published";

    private static final Logger log = LoggerFactory.getLogger(Sessions.class);

    private final SubscriptionRegistry registry;
    private final RetainedMessages retained;
    private final ClientMessageRelay otherNodes;
    private final Counter wills;
    private final int maxQueued;
    private final Counter overflow;
    private final Counter dropped;
    private final ConcurrentMap<String, Session> byClientId = new ConcurrentHashMap<>();

    /**
     * @param maxQueued messages kept per absent client
     */
    public Sessions(SubscriptionRegistry registry, RetainedMessages retained, int maxQueued, MeterRegistry meters) {
        this(registry, retained, ClientMessageRelay.NONE, maxQueued, meters);
    }

    /**
     * @param otherNodes where wills go besides this node's subscribers (the other ingest nodes)
     * @param maxQueued  messages kept per absent client
     */
    public Sessions(SubscriptionRegistry registry, RetainedMessages retained, ClientMessageRelay otherNodes,
                    int maxQueued, MeterRegistry meters) {
        this.retained = retained;
        this.otherNodes = otherNodes;
        this.wills = meters.counter(WILLS_PUBLISHED);
        this.registry = registry;
        this.maxQueued = maxQueued;
        this.overflow = meters.counter(QUEUE_OVERFLOW);
        this.dropped = meters.counter(SubscribeHandler.DELIVERIES_DROPPED);
        Gauge.builder(SESSIONS, byClientId, ConcurrentMap::size).description("Client sessions, connected or not")
                .register(meters);
    }

    @Override
    public boolean open(ConnectedClient client, boolean cleanStart, long expirySeconds) {
        boolean[] present = {false};
        Session session = byClientId.compute(client.clientId(), (id, existing) -> {
            if (existing != null && !cleanStart) {
                present[0] = true;
                return existing;
            }
            if (existing != null) {
                registry.removeAll(existing);
            }
            return new Session(id, maxQueued, overflow);
        });
        session.expiry(expirySeconds);
        // Bound now so that its connection's SUBSCRIBEs and PUBLISHes find it; messages flow after resume().
        ChannelSubscriber.attach(client, session, dropped);
        return present[0];
    }

    @Override
    public void resume(ConnectedClient client) {
        ChannelSubscriber.find(client.channel()).ifPresent(subscriber -> subscriber.session().attach(subscriber));
    }

    @Override
    public void closed(ConnectedClient client) {
        Optional<ChannelSubscriber> found = ChannelSubscriber.find(client.channel());
        if (found.isEmpty()) {
            return;
        }
        ChannelSubscriber subscriber = found.get();
        Session session = subscriber.session();
        LastWill will = client.will();
        if (will != null) {
            long delay = Math.min(will.delaySeconds(), session.expirySeconds());
            if (delay == 0) {
                publishWill(client.clientId(), will);
            } else {
                log.info("Client {} left a will on {}: published in {} s unless it comes back", client.clientId(),
                        will.topic(), delay);
                client.channel().eventLoop().schedule(() -> {
                    if (session.connected()) {
                        log.info("Will of client {} not published: it came back in time", client.clientId());
                    } else {
                        publishWill(client.clientId(), will);
                    }
                }, delay, TimeUnit.SECONDS);
            }
        }
        if (!session.detach(subscriber, subscriber.takeUnacknowledged(), subscriber.takeWaiting())) {
            return; // taken over by a newer connection of the same client id
        }
        long expiry = session.expirySeconds();
        if (expiry == 0) {
            end(session);
            return;
        }
        log.info("Session of client {} kept for {} s ({} messages waiting)", client.clientId(), expiry,
                session.queued());
        Channel channel = client.channel();
        session.expiresWith(channel.eventLoop().schedule(() -> {
            if (!session.connected()) {
                log.info("Session of client {} expired ({} messages were waiting)", session.clientId(),
                        session.queued());
                end(session);
            }
        }, expiry, TimeUnit.SECONDS));
    }

    private void publishWill(String clientId, LastWill will) {
        wills.increment();
        if (will.retain()) {
            retained.retain(will.topic(), will.payload(), will.qos(), will.properties());
        }
        int receivers = registry.route(null, will.topic(), will.payload(), will.qos(), will.properties());
        log.info("Published the will of client {} on {} to {} subscribers", clientId, will.topic(), receivers);
        if (otherNodes != ClientMessageRelay.NONE) {
            otherNodes.relay(will.topic(), will.payload(), will.qos(), will.retain(), will.properties())
                    .whenComplete((ok, failure) -> {
                        if (failure != null) {
                            log.warn("The will of client {} on {} reached this node's subscribers only: the other "
                                    + "ingest nodes could not be handed it", clientId, will.topic(), failure);
                        }
                    });
        }
    }

    /** The session a connection belongs to; present once its CONNECT was accepted. */
    static Session of(ConnectedClient client) {
        return ChannelSubscriber.find(client.channel()).map(ChannelSubscriber::session)
                .orElseThrow(() -> new IllegalStateException("no session for " + client));
    }

    /** The session of a client id (tests, operations). */
    public Optional<Integer> queuedFor(String clientId) {
        return Optional.ofNullable(byClientId.get(clientId)).map(Session::queued);
    }

    public int size() {
        return byClientId.size();
    }

    private void end(Session session) {
        if (byClientId.remove(session.clientId(), session)) {
            registry.removeAll(session);
        }
    }
}
