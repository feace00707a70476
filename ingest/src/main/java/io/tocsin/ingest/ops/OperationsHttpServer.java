package io.tocsin.ingest.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code GET /health} (JSON, 200 while serving, 503 while starting or draining) and {@code GET /metrics}
 * (Prometheus text format) for operators and their scrapers, on a small JDK HTTP server with one thread: it must
 * never compete with the MQTT event loops.
 *
 * <p>/metrics needs a {@link PrometheusMeterRegistry}: the server's meter registry itself, or one inside it when it
 * is a {@link CompositeMeterRegistry}. Without one, /metrics answers 404 saying so.
 */
public final class OperationsHttpServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OperationsHttpServer.class);

    /** What /health reports. */
    public record Health(boolean serving, String state, int mqttClients, int sessions) {
        String json() {
            return "{\"status\":\"" + (serving ? "UP" : "DOWN") + "\",\"state\":\"" + state + "\",\"mqttClients\":"
                    + mqttClients + ",\"sessions\":" + sessions + "}";
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;

    public OperationsHttpServer(String bindHost, int port, MeterRegistry meters, Supplier<Health> health) {
        Optional<PrometheusMeterRegistry> prometheus = prometheus(meters);
        if (prometheus.isEmpty()) {
            log.warn("No Prometheus meter registry given to the ingest server: /metrics will answer 404");
        }
        try {
            server = HttpServer.create(new InetSocketAddress(bindHost, port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for HTTP on " + bindHost + ":" + port, e);
        }
        executor = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "tocsin-ingest-http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/health", exchange -> {
            Health now = health.get();
            respond(exchange, now.serving() ? 200 : 503, "application/json", now.json());
        });
        server.createContext("/metrics", exchange -> {
            if (prometheus.isEmpty()) {
                respond(exchange, 404, "text/plain", "no Prometheus registry configured\n");
            } else {
                respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", prometheus.get().scrape());
            }
        });
    }

    public OperationsHttpServer start() {
        server.start();
        log.info("Operations HTTP on {} (/health, /metrics)", server.getAddress());
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body)
            throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    static Optional<PrometheusMeterRegistry> prometheus(MeterRegistry meters) {
        if (meters instanceof PrometheusMeterRegistry prometheus) {
            return Optional.of(prometheus);
        }
        if (meters instanceof CompositeMeterRegistry composite) {
            for (MeterRegistry inner : composite.getRegistries()) {
                Optional<PrometheusMeterRegistry> found = prometheus(inner);
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }
}
