package io.tocsin.ingest.mqtt;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;

/**
 * DISCONNECT from the client: close the connection cleanly, discarding the will unless the reason is MQTT 5 0x04
 * "disconnect with will message".
 */
@ChannelHandler.Sharable
public final class DisconnectHandler extends ChannelInboundHandlerAdapter {

    /** MQTT 5 reason 0x04: the client disconnects normally but wants its will published. */
    private static final int DISCONNECT_WITH_WILL = 0x04;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttMessage message) || message.fixedHeader().messageType() != MqttMessageType.DISCONNECT) {
            ctx.fireChannelRead(msg);
            return;
        }
        ConnectedClient client = ConnectedClient.of(ctx.channel());
        String reason = "client sent DISCONNECT";
        int code = message.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader h
                ? h.reasonCode() & 0xFF : 0;
        if (code != DISCONNECT_WITH_WILL) {
            client.discardWill();
        }
        if (message.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader header
                && header.reasonCode() != 0) {
            reason += String.format(" with reason 0x%02X", header.reasonCode() & 0xFF);
        }
        client.closeCleanly(reason);
    }
}
