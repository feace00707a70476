package io.tocsin.ingest.mqtt;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;

/**
 * DISCONNECT from the client: close the connection cleanly. Will messages are not supported yet, so "disconnect
 * with will message" (MQTT 5 0x04) has nothing to publish.
 */
@ChannelHandler.Sharable
public final class DisconnectHandler extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttMessage message) || message.fixedHeader().messageType() != MqttMessageType.DISCONNECT) {
            ctx.fireChannelRead(msg);
            return;
        }
        ConnectedClient client = ConnectedClient.of(ctx.channel());
        String reason = "client sent DISCONNECT";
        if (message.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader header
                && header.reasonCode() != 0) {
            reason += String.format(" with reason 0x%02X", header.reasonCode() & 0xFF);
        }
        client.close(reason);
    }
}
