package io.tocsin.ingest.pubsub;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.tocsin.ingest.mqtt.ConnectedClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PUBACK from a subscriber for a QoS 1 message the server sent it: the message is done (until then it would be
 * resent to a persistent session after a reconnect).
 */
@ChannelHandler.Sharable
public final class DeliveryAckHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(DeliveryAckHandler.class);

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttMessage message) || message.fixedHeader().messageType() != MqttMessageType.PUBACK) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (message.variableHeader() instanceof io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader id) {
            ChannelSubscriber.find(ctx.channel()).ifPresent(subscriber -> subscriber.acknowledged(id.messageId()));
        }
        if (log.isTraceEnabled() && message.variableHeader() instanceof MqttPubReplyMessageVariableHeader header) {
            log.trace("Client {} acknowledged packet {} (reason 0x{})", ConnectedClient.of(ctx.channel()).clientId(),
                    header.messageId(), Integer.toHexString(header.reasonCode() & 0xFF));
        }
    }
}
