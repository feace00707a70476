package io.tocsin.ingest.mqtt;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Tail of the pipeline: an exception nobody handled closes that connection only. Network errors (reset by
 * peer ...) are ordinary for devices on cellular links and logged at debug; anything else is a bug worth a WARN
 * with its stack trace.
 */
@ChannelHandler.Sharable
public final class ConnectionErrorHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ConnectionErrorHandler.class);

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        String who = ConnectedClient.find(ctx.channel()).map(ConnectedClient::toString)
                .orElseGet(() -> String.valueOf(ctx.channel().remoteAddress()));
        if (cause instanceof IOException) {
            log.debug("Connection of {} failed: {}", who, cause.toString());
        } else {
            log.warn("Closing connection of {} after an unexpected error", who, cause);
        }
        ConnectedClient.find(ctx.channel()).ifPresentOrElse(client -> {
            if (cause instanceof IOException) {
                client.lost("network error: " + cause);
            } else {
                client.close("error: " + cause);
            }
        }, ctx::close);
    }
}
