package io.tocsin.ingest.mqtt;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last reader in the pipeline: a packet no handler took is one a client must not send to this server
 * (CONNACK, SUBACK, PINGRESP ...; AUTH since enhanced authentication is not offered). That is a protocol error:
 * close the connection.
 */
@ChannelHandler.Sharable
public final class UnexpectedPacketHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(UnexpectedPacketHandler.class);

    private final MeterRegistry meters;

    public UnexpectedPacketHandler(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg);
        String packet = msg instanceof MqttMessage message ? message.fixedHeader().messageType().name()
                : msg.getClass().getSimpleName();
        meters.counter(ConnectHandler.PROTOCOL_ERRORS, "reason", "unexpected_packet").increment();
        String why = "unexpected " + packet + " packet from a client";
        ConnectedClient.find(ctx.channel()).ifPresentOrElse(client -> {
            log.warn("Closing connection of client {}: {}", client, why);
            client.disconnect(MqttReasonCodes.Disconnect.PROTOCOL_ERROR, why);
        }, () -> {
            log.warn("Closing connection from {}: {}", ctx.channel().remoteAddress(), why);
            ctx.close();
        });
    }
}
