package io.tocsin.ingest.mqtt;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;

/** PINGREQ gets a PINGRESP (MQTT 3.12); receiving it already counted as activity for the keep alive. */
@ChannelHandler.Sharable
public final class PingHandler extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MqttMessage message && message.fixedHeader().messageType() == MqttMessageType.PINGREQ) {
            ctx.writeAndFlush(MqttMessage.PINGRESP, ctx.voidPromise());
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
