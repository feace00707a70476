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
 * resent to a persistent session after a reconnect). A PUBACK for an identifier no QoS 1 message waits under (for
 * instance one of a QoS 2 exchange) changes nothing. QoS 2 acknowledgements: {@link DeliveryExactlyOnceHandler}.
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
            boolean known = ChannelSubscriber.find(ctx.channel())
                    .map(subscriber -> subscriber.acknowledged(id.messageId())).orElse(false);
            if (!known) {
                log.debug("Client {} sent PUBACK for packet {}, which no QoS 1 message waits under",
                        ConnectedClient.of(ctx.channel()), id.messageId());
            }
        }
        if (log.isTraceEnabled() && message.variableHeader() instanceof MqttPubReplyMessageVariableHeader header) {
            log.trace("Client {} acknowledged packet {} (reason 0x{})", ConnectedClient.of(ctx.channel()).clientId(),
                    header.messageId(), Integer.toHexString(header.reasonCode() & 0xFF));
        }
    }
}
