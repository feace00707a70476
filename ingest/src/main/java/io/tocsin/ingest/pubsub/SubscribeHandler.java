package io.tocsin.ingest.pubsub;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdAndPropertiesVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import io.netty.handler.codec.mqtt.MqttSubAckPayload;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.tocsin.ingest.mqtt.ConnectHandler;
import io.tocsin.ingest.mqtt.ConnectedClient;
import io.tocsin.proto.MqttTopics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * SUBSCRIBE and UNSUBSCRIBE of a client's session (subscriptions outlive the connection when the session does).
 *
 * <p>Each filter is answered on its own in the SUBACK: a valid one is granted the requested QoS (0, 1 or 2); an invalid
 * one gets 0x80 (MQTT 3.1.1 failure) or 0x8F (MQTT 5 topic filter invalid) while the others still succeed.
 * The topic ACL refuses a filter the client's identity may not use (0x87 / 0x80): a station gets the alarms of
 * its own sites and its own station topic only, a device no alarms. Shared subscriptions ("$share/{group}/{filter}", MQTT 5) deliver each message to one member of the group (see
 * {@link SubscriptionRegistry#subscribeShared}); for MQTT 3.1.1 such a filter is an ordinary one.
 *
 * <p>The subscription is in place before the SUBACK is written, so every message published after the client
 * saw its SUBACK reaches it.
 */
@ChannelHandler.Sharable
public final class SubscribeHandler extends ChannelInboundHandlerAdapter {

    public static final String DELIVERIES_DROPPED = "tocsin.ingest.deliveries.dropped";
    /** Topic filters refused in a SUBACK (tag {@code reason}: invalid_filter, not_authorized, shared). */
    public static final String SUBSCRIBE_REFUSED = "tocsin.ingest.subscribe.refused";
    /** An alarm topic of a site no station can cover: a filter matching it would see every site's alarms. */
    private static final String[] SOME_UNCOVERED_SITE_ALARMS = TopicFilter.levels(MqttTopics.ALARMS_PREFIX + "\u0000");
    /** The topic of a station nobody is: a filter matching it would see every station's alarms. */
    private static final String[] SOME_OTHER_STATION_ALARMS = TopicFilter.levels(MqttTopics.stationAlarms("\u0000"));
    private static final int STATION_LEVEL = TopicFilter.levels(MqttTopics.STATIONS_PREFIX).length - 1;

    private static final Logger log = LoggerFactory.getLogger(SubscribeHandler.class);
    private static final String SHARED_SUBSCRIPTION_PREFIX = "$share/";

    private final SubscriptionRegistry registry;
    private final RetainedMessages retained;
    private final MeterRegistry meters;
    private final Counter deliveriesDropped;

    public SubscribeHandler(SubscriptionRegistry registry, RetainedMessages retained, MeterRegistry meters) {
        this.retained = retained;
        this.registry = registry;
        this.meters = meters;
        this.deliveriesDropped = meters.counter(DELIVERIES_DROPPED);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MqttSubscribeMessage subscribe) {
            onSubscribe(ctx, subscribe);
        } else if (msg instanceof MqttUnsubscribeMessage unsubscribe) {
            onUnsubscribe(ctx, unsubscribe);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void onSubscribe(ChannelHandlerContext ctx, MqttSubscribeMessage subscribe) {
        ConnectedClient client = ConnectedClient.of(ctx.channel());
        List<MqttTopicSubscription> requested = subscribe.payload().topicSubscriptions();
        if (requested.isEmpty()) {
            protocolError(client, "SUBSCRIBE without any topic filter");
            return;
        }
        Session subscriber = Sessions.of(client);
        List<MqttReasonCodes.SubAck> codes = new ArrayList<>(requested.size());
        List<Delivery> retainedToSend = new ArrayList<>();
        for (MqttTopicSubscription subscription : requested) {
            String filter = subscription.topicFilter();
            if (!TopicFilter.isValid(filter)) {
                meters.counter(SUBSCRIBE_REFUSED, "reason", "invalid_filter").increment();
                log.warn("Client {} subscribed to an invalid topic filter '{}': refused", client, filter);
                codes.add(client.isV5() ? MqttReasonCodes.SubAck.TOPIC_FILTER_INVALID
                        : MqttReasonCodes.SubAck.UNSPECIFIED_ERROR);
            } else if (client.isV5() && filter.startsWith(SHARED_SUBSCRIPTION_PREFIX)
                    && sharedParts(filter) == null) {
                meters.counter(SUBSCRIBE_REFUSED, "reason", "invalid_filter").increment();
                log.warn("Client {} subscribed to an invalid shared subscription '{}': refused", client, filter);
                codes.add(MqttReasonCodes.SubAck.TOPIC_FILTER_INVALID);
            } else if (!client.identity().maySubscribe(alarmSites(innerFilter(client, filter)),
                    stationTopics(innerFilter(client, filter)))) {
                meters.counter(SUBSCRIBE_REFUSED, "reason", "not_authorized").increment();
                log.warn("Client {} ({}) may not subscribe to '{}': refused (stations subscribe to "
                        + "{}{{site}} for each site they cover, or to {})", client, client.identity(), filter,
                        MqttTopics.ALARMS_PREFIX, MqttTopics.stationAlarms("{their station id}"));
                codes.add(client.isV5() ? MqttReasonCodes.SubAck.NOT_AUTHORIZED
                        : MqttReasonCodes.SubAck.UNSPECIFIED_ERROR);
            } else {
                // The decoder refuses a requested QoS of 3 (malformed), so this is 0, 1 or 2.
                MqttQoS granted = subscription.qualityOfService();
                // No Local (MQTT 5 only): do not send the client its own messages through this filter.
                boolean noLocal = client.isV5() && subscription.option().isNoLocal();
                boolean existed = registry.subscriptionsOf(subscriber).containsKey(filter);
                String[] shared = client.isV5() ? sharedParts(filter) : null;
                TopicFilter parsed = TopicFilter.parse(shared == null ? filter : shared[1]);
                if (shared != null) {
                    // No retained messages for shared subscriptions (MQTT 5 4.8.2).
                    registry.subscribeShared(subscriber, shared[0], parsed, granted);
                } else {
                    registry.subscribe(subscriber, parsed, granted, noLocal);
                }
                MqttSubscriptionOption.RetainedHandlingPolicy retainHandling = client.isV5()
                        ? subscription.option().retainHandling()
                        : MqttSubscriptionOption.RetainedHandlingPolicy.SEND_AT_SUBSCRIBE;
                if (shared == null && retainHandling == MqttSubscriptionOption.RetainedHandlingPolicy.SEND_AT_SUBSCRIBE
                        || (retainHandling == MqttSubscriptionOption.RetainedHandlingPolicy
                                .SEND_AT_SUBSCRIBE_IF_NOT_YET_EXISTS && !existed)) {
                    for (Delivery message : retained.matching(parsed)) {
                        MqttQoS qos = message.qos().value() < granted.value() ? message.qos() : granted;
                        retainedToSend.add(new Delivery(message.topic(), message.payload(), qos,
                                message.properties(), message.expiresAtNanos(), true, false));
                    }
                }
                codes.add(switch (granted) {
                    case AT_MOST_ONCE -> MqttReasonCodes.SubAck.GRANTED_QOS_0;
                    case AT_LEAST_ONCE -> MqttReasonCodes.SubAck.GRANTED_QOS_1;
                    default -> MqttReasonCodes.SubAck.GRANTED_QOS_2;
                });
                log.info("Client {} subscribed to {} (QoS {})", client.clientId(), filter, granted.value());
            }
        }
        MqttSubAckMessage subAck = new MqttSubAckMessage(
                new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(subscribe.idAndPropertiesVariableHeader().messageId(),
                        MqttProperties.NO_PROPERTIES),
                new MqttSubAckPayload(codes.toArray(MqttReasonCodes.SubAck[]::new)));
        ctx.writeAndFlush(subAck, ctx.voidPromise());
        // After the SUBACK (MQTT 3.8.4): the retained messages of the new subscriptions.
        retainedToSend.forEach(subscriber::deliver);
    }

    /** "$share/{name}/{filter}" as {name, filter}; null when not a valid shared subscription. */
    static String[] sharedParts(String filter) {
        if (!filter.startsWith(SHARED_SUBSCRIPTION_PREFIX)) {
            return null;
        }
        String rest = filter.substring(SHARED_SUBSCRIPTION_PREFIX.length());
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            return null;
        }
        String name = rest.substring(0, slash);
        String inner = rest.substring(slash + 1);
        if (name.indexOf('+') >= 0 || name.indexOf('#') >= 0 || !TopicFilter.isValid(inner)) {
            return null;
        }
        return new String[] {name, inner};
    }

    private static String innerFilter(ConnectedClient client, String filter) {
        String[] shared = client.isV5() ? sharedParts(filter) : null;
        return shared == null ? filter : shared[1];
    }

    /**
     * The sites whose alarm topic ({@code tocsin/v1/alarms/{site}}) a valid filter matches: none, one, or null for
     * any site at all.
     */
    static Set<String> alarmSites(String filter) {
        if (TopicFilter.parse(filter).matches(SOME_UNCOVERED_SITE_ALARMS)) {
            return null;
        }
        String[] levels = TopicFilter.levels(filter);
        String[] alarm = TopicFilter.levels(MqttTopics.ALARMS_PREFIX + "site");
        if (levels.length < alarm.length) {
            return Set.of();
        }
        for (int i = 0; i < alarm.length - 1; i++) {
            if (!levels[i].equals("+") && !levels[i].equals(alarm[i])) {
                return Set.of();
            }
        }
        // The site level is a literal here ('+' or '#' would have matched the probe above).
        String site = levels[alarm.length - 1];
        boolean endsThere = levels.length == alarm.length
                || (levels.length == alarm.length + 1 && levels[alarm.length].equals("#"));
        return endsThere ? Set.of(site) : Set.of();
    }

    /**
     * The stations whose topic ({@code tocsin/v1/stations/{id}/alarms}) a valid filter matches: none, one, or null
     * for any station at all.
     */
    static Set<String> stationTopics(String filter) {
        TopicFilter parsed = TopicFilter.parse(filter);
        if (parsed.matches(SOME_OTHER_STATION_ALARMS)) {
            return null;
        }
        // The filter does not match an arbitrary station: if it matches one, its station level is that literal.
        String[] levels = TopicFilter.levels(filter);
        if (levels.length <= STATION_LEVEL || !MqttTopics.isLevel(levels[STATION_LEVEL])) {
            return Set.of();
        }
        String station = levels[STATION_LEVEL];
        return parsed.matches(TopicFilter.levels(MqttTopics.stationAlarms(station))) ? Set.of(station) : Set.of();
    }

    private void onUnsubscribe(ChannelHandlerContext ctx, MqttUnsubscribeMessage unsubscribe) {
        ConnectedClient client = ConnectedClient.of(ctx.channel());
        List<String> filters = unsubscribe.payload().topics();
        if (filters.isEmpty()) {
            protocolError(client, "UNSUBSCRIBE without any topic filter");
            return;
        }
        MqttMessageBuilders.UnsubAckBuilder unsubAck = MqttMessageBuilders.unsubAck()
                .packetId(unsubscribe.idAndPropertiesVariableHeader().messageId());
        Session subscriber = Sessions.of(client);
        for (String filter : filters) {
            boolean removed = registry.unsubscribe(subscriber, filter);
            log.info("Client {} unsubscribed from {}{}", client.clientId(), filter, removed ? "" : " (was not subscribed)");
            // MQTT 3.1.1's UNSUBACK has no payload: reason codes only for MQTT 5.
            if (client.isV5()) {
                unsubAck.addReasonCode((removed ? MqttReasonCodes.UnsubAck.SUCCESS
                        : MqttReasonCodes.UnsubAck.NO_SUBSCRIPTION_EXISTED).byteValue());
            }
        }
        ctx.writeAndFlush(unsubAck.build(), ctx.voidPromise());
    }

    private void protocolError(ConnectedClient client, String why) {
        meters.counter(ConnectHandler.PROTOCOL_ERRORS, "reason", "empty_subscription").increment();
        log.warn("Closing connection of client {}: {}", client, why);
        client.disconnect(MqttReasonCodes.Disconnect.PROTOCOL_ERROR, why);
    }
}
