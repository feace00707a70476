package io.tocsin.ingest.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** What a console page does, with the JDK's HTTP and WebSocket clients: log in, connect, read, send. */
final class ConsolePage implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private String token;
    private WebSocket socket;

    ConsolePage(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    }

    /** Logs in; returns the HTTP status (200 on success, when the session cookie is kept). */
    int login(String name, String password) throws Exception {
        String body = JSON.createObjectNode().put("name", name).put("password", password).toString();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/api/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        response.headers().firstValue("Set-Cookie").ifPresent(cookie -> {
            String pair = cookie.split(";", 2)[0];
            token = pair.substring(pair.indexOf('=') + 1);
        });
        return response.statusCode();
    }

    HttpResponse<String> get(String path) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).GET();
        if (token != null) {
            request.header("Cookie", ConsoleHttpRoutes.SESSION_COOKIE + "=" + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Opens the WebSocket with the session cookie; completes exceptionally when the server refuses it. */
    CompletableFuture<WebSocket> connect() {
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        if (token != null) {
            builder.header("Cookie", ConsoleHttpRoutes.SESSION_COOKIE + "=" + token);
        }
        return builder.buildAsync(URI.create(baseUrl.replace("http://", "ws://") + "/ws"), new WebSocket.Listener() {
            private final StringBuilder partial = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    try {
                        received.add(JSON.readTree(partial.toString()));
                    } catch (Exception e) {
                        throw new AssertionError("the server sent something that is not JSON: " + partial, e);
                    }
                    partial.setLength(0);
                }
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                closed.complete(null);
                return null;
            }

            @Override
            public void onError(WebSocket webSocket, Throwable error) {
                closed.complete(null);
            }
        }).thenApply(ws -> socket = ws);
    }

    void send(JsonNode message) {
        socket.sendText(message.toString(), true).join();
    }

    /** The next message of that type, skipping others (heartbeats ...); fails after the timeout. */
    JsonNode next(String type) throws InterruptedException {
        return next(m -> m.path("type").asText().equals(type), type);
    }

    JsonNode next(Predicate<JsonNode> wanted, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            long left = deadline - System.nanoTime();
            JsonNode message = received.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (message == null) {
                throw new AssertionError("no '" + what + "' message within 10 s");
            }
            if (wanted.test(message)) {
                return message;
            }
        }
    }

    CompletableFuture<Void> closed() {
        return closed;
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.abort();
        }
    }
}
