package io.tocsin.ingest.console;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

import java.util.Optional;

/**
 * Lets a WebSocket upgrade through only with a valid session cookie, and only from a page of this console (the
 * Origin check stops another web site from opening a console connection with the station's cookie).
 */
final class ConsoleWebSocketGate extends ChannelInboundHandlerAdapter {

    static final String PATH = "/ws";
    static final AttributeKey<Viewer> VIEWER = AttributeKey.valueOf("tocsin.console.viewer");

    private final ConsoleServer server;

    ConsoleWebSocketGate(ConsoleServer server) {
        this.server = server;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest request
                && new QueryStringDecoder(request.uri()).path().equals(PATH)) {
            Optional<Viewer> viewer = server.sessions().find(ConsoleHttpRoutes.sessionToken(request));
            if (viewer.isEmpty()) {
                ReferenceCountUtil.release(msg);
                ConsoleHttpRoutes.respondText(ctx, HttpResponseStatus.UNAUTHORIZED, "log in first\n", false);
                return;
            }
            String origin = request.headers().get(HttpHeaderNames.ORIGIN);
            String host = request.headers().get(HttpHeaderNames.HOST);
            if (origin != null && !origin.equals("http://" + host) && !origin.equals("https://" + host)) {
                ReferenceCountUtil.release(msg);
                ConsoleHttpRoutes.respondText(ctx, HttpResponseStatus.FORBIDDEN,
                        "a console connection must come from the console's own page\n", false);
                return;
            }
            ctx.channel().attr(VIEWER).set(viewer.get());
        }
        ctx.fireChannelRead(msg);
    }
}
