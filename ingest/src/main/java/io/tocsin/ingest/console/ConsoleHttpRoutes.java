package io.tocsin.ingest.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.CookieHeaderNames;
import io.netty.handler.codec.http.cookie.DefaultCookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieEncoder;
import io.tocsin.ingest.auth.Authenticator;
import io.tocsin.ingest.auth.Identity;
import io.tocsin.proto.MqttTopics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The console's plain HTTP: the static pages, {@code POST /api/login} (JSON {@code {"name","password"}}: sets the
 * session cookie), {@code POST /api/logout} and {@code GET /api/session} (who is logged in, 401 if nobody).
 */
final class ConsoleHttpRoutes extends SimpleChannelInboundHandler<FullHttpRequest> {

    static final String SESSION_COOKIE = "tocsin_console";

    private static final Logger log = LoggerFactory.getLogger(ConsoleHttpRoutes.class);

    private final ConsoleServer server;

    ConsoleHttpRoutes(ConsoleServer server) {
        this.server = server;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String path = new QueryStringDecoder(request.uri()).path();
        HttpMethod method = request.method();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (method.equals(HttpMethod.POST) && path.equals("/api/login")) {
            login(ctx, request, keepAlive);
            return;
        }
        if (method.equals(HttpMethod.POST) && path.equals("/api/logout")) {
            server.sessions().close(sessionToken(request));
            FullHttpResponse response = json(HttpResponseStatus.OK, "{}");
            DefaultCookie cleared = sessionCookie("", 0);
            response.headers().add(HttpHeaderNames.SET_COOKIE, ServerCookieEncoder.STRICT.encode(cleared));
            send(ctx, response, keepAlive);
            return;
        }
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            respondText(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n", keepAlive);
            return;
        }
        if (path.equals("/api/session")) {
            Optional<Viewer> viewer = server.sessions().find(sessionToken(request));
            if (viewer.isEmpty()) {
                send(ctx, json(HttpResponseStatus.UNAUTHORIZED, "{\"error\":\"not logged in\"}"), keepAlive);
            } else {
                send(ctx, json(HttpResponseStatus.OK, "{\"station\":" + quote(viewer.get().name()) + "}"),
                        keepAlive);
            }
            return;
        }
        if (path.equals("/")) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FOUND);
            response.headers().set(HttpHeaderNames.LOCATION, "/alarms.html");
            send(ctx, response, keepAlive);
            return;
        }
        Optional<StaticAssets.Asset> asset = server.assets().find(path);
        if (asset.isEmpty()) {
            respondText(ctx, HttpResponseStatus.NOT_FOUND, "not found\n", keepAlive);
            return;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(asset.get().bytes()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, asset.get().contentType());
        // Pages change with a new release only, but a duty screen must not keep an old script for days.
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        response.headers().set("X-Content-Type-Options", "nosniff");
        response.headers().set("Content-Security-Policy", "default-src 'self'; connect-src 'self'");
        send(ctx, response, keepAlive);
    }

    private void login(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
        String name;
        String password;
        try {
            JsonNode body = ConsoleMessages.json().readTree(request.content().toString(StandardCharsets.UTF_8));
            name = body.path("name").asText("").strip();
            password = body.path("password").asText("");
        } catch (JsonProcessingException e) {
            send(ctx, json(HttpResponseStatus.BAD_REQUEST, "{\"error\":\"expected JSON {name, password}\"}"),
                    keepAlive);
            return;
        }
        Authenticator authenticator = server.authenticator();
        if (authenticator == null) {
            if (!MqttTopics.isLevel(name)) {
                refuse(ctx, keepAlive, "a station name is required", name);
                return;
            }
            loggedIn(ctx, keepAlive, Viewer.of(Identity.unrestricted(), server.settings().controlRoom())
                    .renamed(name));
            return;
        }
        authenticator.login(name, password.getBytes(StandardCharsets.UTF_8)).whenComplete((result, failure) ->
                ctx.executor().execute(() -> {
                    if (failure != null) {
                        log.error("Console login check for '{}' failed", name, failure);
                        send(ctx, json(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                                "{\"error\":\"the login could not be checked\"}"), keepAlive);
                    } else if (!result.accepted()) {
                        refuse(ctx, keepAlive, "wrong station name or password", result.why());
                    } else if (result.identity().kind() == Identity.Kind.DEVICE) {
                        refuse(ctx, keepAlive, "a gateway's credentials cannot open the console",
                                result.identity().toString());
                    } else {
                        loggedIn(ctx, keepAlive, Viewer.of(result.identity(), server.settings().controlRoom()));
                    }
                }));
    }

    private void loggedIn(ChannelHandlerContext ctx, boolean keepAlive, Viewer viewer) {
        String token = server.sessions().open(viewer);
        log.info("Console login: {} from {}", viewer.name(), ctx.channel().remoteAddress());
        FullHttpResponse response = json(HttpResponseStatus.OK, "{\"station\":" + quote(viewer.name()) + "}");
        response.headers().add(HttpHeaderNames.SET_COOKIE,
                ServerCookieEncoder.STRICT.encode(sessionCookie(token, server.sessions().lifetimeSeconds())));
        send(ctx, response, keepAlive);
    }

    private void refuse(ChannelHandlerContext ctx, boolean keepAlive, String toUser, String forLog) {
        server.loginRefused();
        log.warn("Console login refused from {}: {}", ctx.channel().remoteAddress(), forLog);
        send(ctx, json(HttpResponseStatus.UNAUTHORIZED, "{\"error\":" + quote(toUser) + "}"), keepAlive);
    }

    private static DefaultCookie sessionCookie(String token, long maxAgeSeconds) {
        DefaultCookie cookie = new DefaultCookie(SESSION_COOKIE, token);
        cookie.setHttpOnly(true);
        cookie.setPath("/");
        cookie.setMaxAge(maxAgeSeconds);
        cookie.setSameSite(CookieHeaderNames.SameSite.Strict);
        return cookie;
    }

    static String sessionToken(FullHttpRequest request) {
        String header = request.headers().get(HttpHeaderNames.COOKIE);
        if (header == null) {
            return null;
        }
        for (Cookie cookie : ServerCookieDecoder.LAX.decode(header)) {
            if (cookie.name().equals(SESSION_COOKIE)) {
                return cookie.value();
            }
        }
        return null;
    }

    private static String quote(String text) {
        try {
            return ConsoleMessages.json().writeValueAsString(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static FullHttpResponse json(HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return response;
    }

    static void respondText(ChannelHandlerContext ctx, HttpResponseStatus status, String text, boolean keepAlive) {
        ByteBuf body = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        send(ctx, response, keepAlive);
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        HttpUtil.setContentLength(response, response.content().readableBytes());
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ChannelFuture written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
