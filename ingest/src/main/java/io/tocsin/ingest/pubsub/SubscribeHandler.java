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
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.tocsin.ingest.mqtt.ConnectHandler;
import io.tocsin.ingest.mqtt.ConnectedClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * SUBSCRIBE and UNSUBSCRIBE, and forgetting a connection's subscriptions when it closes (no persistent sessions
 * yet).
 *
 * <p>Each filter is answered on its own in the SUBACK: a valid one is granted min(requested QoS, 1); an invalid
 * one gets 0x80 (MQTT 3.1.1 failure) or 0x8F (MQTT 5 topic filter invalid) while the others still succeed.
 * Shared subscriptions ("$share/...") are refused to MQTT 5 clients with 0x9E, as the CONNACK advertised; for
 * MQTT 3.1.1 such a filter is an ordinary one.
 *
 * <p>The subscription is in place before the SUBACK is written, so every message published after the client
 * saw its SUBACK reaches it.
 */
@ChannelHandler.Sharable
public final class SubscribeHandler extends ChannelInboundHandlerAdapter {

    public static final String DELIVERIES_DROPPED = "tocsin.ingest.deliveries.dropped";

    private static final Logger log = LoggerFactory.getLogger(SubscribeHandler.class);
    private static final String SHARED_SUBSCRIPTION_PREFIX = "$share/";

    private final SubscriptionRegistry registry;
    private final MeterRegistry meters;
    private final Counter deliveriesDropped;

    public SubscribeHandler(SubscriptionRegistry registry, MeterRegistry meters) {
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
        ChannelSubscriber subscriber = ChannelSubscriber.of(client, deliveriesDropped);
        List<MqttReasonCodes.SubAck> codes = new ArrayList<>(requested.size());
        for (MqttTopicSubscription subscription : requested) {
            String filter = subscription.topicFilter();
            if (!TopicFilter.isValid(filter)) {
                log.warn("Client {} subscribed to an invalid topic filter '{}': refused", client, filter);
                codes.add(client.isV5() ? MqttReasonCodes.SubAck.TOPIC_FILTER_INVALID
                        : MqttReasonCodes.SubAck.UNSPECIFIED_ERROR);
            } else if (client.isV5() && filter.startsWith(SHARED_SUBSCRIPTION_PREFIX)) {
                log.warn("Client {} asked for shared subscription '{}': not supported, refused", client, filter);
                codes.add(MqttReasonCodes.SubAck.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED);
            } else {
                MqttQoS granted = subscription.qualityOfService() == MqttQoS.AT_MOST_ONCE
                        ? MqttQoS.AT_MOST_ONCE : MqttQoS.AT_LEAST_ONCE;
                // No Local (MQTT 5 only): do not send the client its own messages through this filter.
                boolean noLocal = client.isV5() && subscription.option().isNoLocal();
                registry.subscribe(subscriber, TopicFilter.parse(filter), granted, noLocal);
                codes.add(granted == MqttQoS.AT_MOST_ONCE ? MqttReasonCodes.SubAck.GRANTED_QOS_0
                        : MqttReasonCodes.SubAck.GRANTED_QOS_1);
                log.info("Client {} subscribed to {} (QoS {})", client.clientId(), filter, granted.value());
            }
        }
        MqttSubAckMessage subAck = new MqttSubAckMessage(
                new MqttFixedHeader(MqttMessageType.SUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttMessageIdAndPropertiesVariableHeader(subscribe.idAndPropertiesVariableHeader().messageId(),
                        MqttProperties.NO_PROPERTIES),
                new MqttSubAckPayload(codes.toArray(MqttReasonCodes.SubAck[]::new)));
        ctx.writeAndFlush(subAck, ctx.voidPromise());
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
        ChannelSubscriber subscriber = ChannelSubscriber.of(client, deliveriesDropped);
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

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ChannelSubscriber.find(ctx.channel()).ifPresent(registry::removeAll);
        ctx.fireChannelInactive();
    }
}
