package io.tocsin.ingest.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

import com.fasterxml.jackson.core.JsonProcessingException;

/** A console page's WebSocket once open: registers it with the server and hands its messages over. */
final class ConsoleWebSocketFrames extends SimpleChannelInboundHandler<TextWebSocketFrame> {

    private final ConsoleServer server;
    private ConsoleConnection connection;

    ConsoleWebSocketFrames(ConsoleServer server) {
        this.server = server;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            connection = new ConsoleConnection(ctx.channel(), ctx.channel().attr(ConsoleWebSocketGate.VIEWER).get());
            server.consoleConnected(connection);
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
        if (connection == null) {
            return;
        }
        JsonNode message;
        try {
            message = ConsoleMessages.json().readTree(frame.text());
        } catch (JsonProcessingException e) {
            ctx.writeAndFlush(new TextWebSocketFrame(new ConsoleMessages(server.settings())
                    .error("not JSON: " + e.getOriginalMessage())));
            return;
        }
        server.consoleMessage(connection, message);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (connection != null) {
            server.consoleWritable(connection);
        }
        super.channelWritabilityChanged(ctx);
    }
}
