package io.tocsin.ingest.notify;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP receiver on a free loopback port: records every request per path and answers with scripted status
 * codes (then 200), or holds requests until released (a station whose server hangs).
 */
final class WebhookReceiver implements AutoCloseable {

    /** One received request. */
    record Received(String path, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            for (Map.Entry<String, List<String>> h : headers.entrySet()) {
                if (h.getKey().equalsIgnoreCase(name)) {
                    return h.getValue().get(0);
                }
            }
            return null;
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, ConcurrentLinkedQueue<Integer>> scripted = new ConcurrentHashMap<>();
    private final Map<String, Integer> always = new ConcurrentHashMap<>();
    private final Map<String, String> answerBodies = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final Map<String, Boolean> hanging = new ConcurrentHashMap<>();

    WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** The next requests to {@code path} get these status codes, in order; after them 200 (or {@link #always}). */
    WebhookReceiver answer(String path, Integer... statuses) {
        scripted.computeIfAbsent(path, p -> new ConcurrentLinkedQueue<>()).addAll(List.of(statuses));
        return this;
    }

    /** Every request to {@code path} gets {@code status}. */
    WebhookReceiver always(String path, int status) {
        always.put(path, status);
        return this;
    }

    /** The body of 2xx answers on {@code path}. */
    WebhookReceiver answerBody(String path, String body) {
        answerBodies.put(path, body);
        return this;
    }

    /** Requests to {@code path} are held, unanswered, until {@link #releaseHeld()}. */
    WebhookReceiver hang(String path) {
        hanging.put(path, true);
        return this;
    }

    void releaseHeld() {
        release.countDown();
    }

    List<Received> received(String path) {
        synchronized (received) {
            return received.stream().filter(r -> r.path().equals(path)).toList();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        received.add(new Received(path, Map.copyOf(exchange.getRequestHeaders()), body));
        if (hanging.containsKey(path)) {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ConcurrentLinkedQueue<Integer> queue = scripted.get(path);
        Integer next = queue == null ? null : queue.poll();
        int status = next != null ? next : always.getOrDefault(path, 200);
        byte[] answer = (status / 100 == 2 ? answerBodies.getOrDefault(path, "ok") : "unavailable")
                .getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
