package io.tocsin.ingest.support;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.IngestConfig;
import io.tocsin.ingest.IngestServer;

import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/** An ingest server on a free local port with a recording telemetry writer and an in-memory meter registry. */
public final class TestServer implements AutoCloseable {

    public final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    public final RecordingTelemetryWriter writer = new RecordingTelemetryWriter();
    public final IngestServer server;

    private TestServer(IngestConfig config, Consumer<IngestServer.Builder> options) {
        IngestServer.Builder builder = IngestServer.builder(config, writer, meters);
        options.accept(builder);
        server = builder.build().start();
    }

    /** A server with optional parts (credentials, TLS ...). */
    public static TestServer startWith(Consumer<IngestServer.Builder> options) {
        return new TestServer(IngestConfig.defaults().withBindHost("127.0.0.1").withPort(0), options);
    }

    public static TestServer start() {
        return start(config -> config);
    }

    public static TestServer start(UnaryOperator<IngestConfig> adjust) {
        return new TestServer(adjust.apply(IngestConfig.defaults().withBindHost("127.0.0.1").withPort(0)),
                options -> { });
    }

    public int port() {
        return server.port();
    }

    public String uri() {
        return "tcp://127.0.0.1:" + port();
    }

    /** A counter's value, 0 when it was never registered. */
    public double count(String name, String... tags) {
        Counter counter = meters.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    @Override
    public void close() {
        server.close();
        meters.close();
    }
}
