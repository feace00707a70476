package io.tocsin.ingest;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.tocsin.ingest.auth.Authenticator;
import io.tocsin.ingest.auth.CredentialRegistry;
import io.tocsin.ingest.coap.CoapIngestEndpoint;
import io.tocsin.ingest.coap.CoapSettings;
import io.tocsin.ingest.mqtt.AcceptRateLimitHandler;
import io.tocsin.ingest.mqtt.ConnectedClient;
import io.tocsin.ingest.mqtt.InFlightMemoryBudget;
import io.tocsin.ingest.ops.OperationsHttpServer;
import io.tocsin.ingest.mqtt.ConnectionListener;
import io.tocsin.ingest.mqtt.ConnectionRateLimit;
import io.tocsin.ingest.status.DeviceStatusEvents;
import io.tocsin.ingest.status.DeviceStatusWriter;
import io.tocsin.ingest.status.KafkaDeviceStatusWriter;
import io.tocsin.ingest.tls.TlsSettings;
import io.tocsin.ingest.mqtt.ConnectedClients;
import io.tocsin.ingest.pubsub.ClientMessageRelay;
import io.tocsin.ingest.pubsub.CurrentMessages;
import io.tocsin.ingest.pubsub.RetainedMessages;
import io.tocsin.ingest.pubsub.Sessions;
import io.tocsin.ingest.pubsub.SubscriptionRegistry;
import io.tocsin.ingest.telemetry.TelemetryWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The MQTT server of the platform: devices publish telemetry batches (acknowledged once the telemetry log has
 * them), stations and consoles subscribe to alarms and talk to each other.
 *
 * <pre>{@code
 * try (KafkaTelemetryWriter writer = new KafkaTelemetryWriter(bootstrap, "tocsin.telemetry");
 *      IngestServer server = new IngestServer(IngestConfig.defaults(), writer, meterRegistry).start();
 *      AlarmFanout alarms = new AlarmFanout(bootstrap, "tocsin.alarms", "ingest-1",
 *              server.subscriptions(), server.currentMessages(), meterRegistry).start()) {
 *     ...
 * }
 * }</pre>
 * (try-with-resources closes in reverse order: alarms, then the server, then the writer.)
 */
public final class IngestServer implements AutoCloseable {

    public static final String CONNECTED_CLIENTS = "tocsin.ingest.clients.connected";

    private static final Logger log = LoggerFactory.getLogger(IngestServer.class);

    /** Above this much unsent data, a subscriber's connection counts as not reading (see ChannelSubscriber). */
    private static final WriteBufferWaterMark SUBSCRIBER_WRITE_LIMITS = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);
    /** Generous for a city's gateways reconnecting after an outage, low enough to keep a storm from piling up. */
    public static final int DEFAULT_CONNECTIONS_PER_SECOND = 2000;
    private static final long CLOSE_TIMEOUT_SECONDS = 5;
    private static final long DRAIN_TIMEOUT_SECONDS = 5;
    private static final long DRAIN_POLL_MILLIS = 10;
    /** Retained messages are a console convenience (last known states), not a store: a bound keeps them small. */
    private static final int MAX_RETAINED_TOPICS = 100_000;

    private final IngestConfig config;
    private final TelemetryWriter telemetryWriter;
    private final MeterRegistry meters;
    private final ConnectedClients clients = new ConnectedClients();
    private final SubscriptionRegistry subscriptions = new SubscriptionRegistry();
    private final ChannelGroup channels = new DefaultChannelGroup("tocsin-ingest", GlobalEventExecutor.INSTANCE);
    private final CredentialRegistry credentials;
    private final TlsSettings tls;
    private final CoapSettings coapSettings;
    private final SessionLimits sessionLimits;
    private final Sessions sessions;
    private final RetainedMessages retained;
    private final ClientMessageRelay otherNodes;
    private final ConnectionListener connectionListener;
    /** Where MQTT and CoAP devices' online/offline events go; null for nowhere. */
    private final DeviceStatusWriter deviceStatus;
    /** This server in those events (MQTT and CoAP alike, so the stream job sees one server). */
    private final String serverId;
    private final String httpBindHost;
    private final ConnectionRateLimit connectionRate;
    private final int httpPortSetting;
    private final PublishLimits publishLimits;
    private final InFlightMemoryBudget memoryBudget;
    private OperationsHttpServer http;
    private volatile String state = "starting";
    private CoapIngestEndpoint coap;
    private Authenticator authenticator;
    private EventLoopGroup acceptGroup;
    private EventLoopGroup ioGroup;
    private Channel serverChannel;
    private Channel tlsServerChannel;
    private boolean closed;

    /** A plain MQTT server without authentication (every client accepted, with a WARN at start). */
    public IngestServer(IngestConfig config, TelemetryWriter telemetryWriter, MeterRegistry meters) {
        this(new Builder(config, telemetryWriter, meters));
    }

    private IngestServer(Builder builder) {
        this.serverId = builder.serverId != null ? builder.serverId : DeviceStatusEvents.localServerId();
        this.config = Objects.requireNonNull(builder.config, "config");
        this.telemetryWriter = Objects.requireNonNull(builder.telemetryWriter, "telemetryWriter");
        this.meters = Objects.requireNonNull(builder.meters, "meters");
        this.credentials = builder.credentials;
        this.tls = builder.tls;
        this.coapSettings = builder.coap;
        this.sessionLimits = builder.sessionLimits;
        this.httpBindHost = builder.httpBindHost;
        this.httpPortSetting = builder.httpPort;
        this.connectionRate = new ConnectionRateLimit(builder.connectionsPerSecond);
        this.publishLimits = builder.publishLimits;
        this.memoryBudget = new InFlightMemoryBudget(publishLimits.memoryHighWaterBytes(),
                publishLimits.memoryLowWaterBytes(), channels, meters);
        this.deviceStatus = builder.deviceStatus;
        this.connectionListener = builder.deviceStatus == null ? ConnectionListener.NONE
                : new DeviceStatusEvents(builder.deviceStatus, serverId);
        this.retained = new RetainedMessages(MAX_RETAINED_TOPICS, meters);
        this.otherNodes = builder.otherNodes;
        this.sessions = new Sessions(subscriptions, retained, otherNodes, sessionLimits.maxQueued(), meters);
    }

    /** A server with optional parts: credential registry, TLS listener. */
    public static Builder builder(IngestConfig config, TelemetryWriter telemetryWriter, MeterRegistry meters) {
        return new Builder(config, telemetryWriter, meters);
    }

    /** Optional parts of a server; each left out keeps the behaviour of the plain constructor. */
    public static final class Builder {
        private final IngestConfig config;
        private final TelemetryWriter telemetryWriter;
        private final MeterRegistry meters;
        private CredentialRegistry credentials;
        private TlsSettings tls;
        private CoapSettings coap;
        private SessionLimits sessionLimits = SessionLimits.defaults();
        private DeviceStatusWriter deviceStatus;
        private String serverId;
        private String httpBindHost;
        private int httpPort = -1;
        private int connectionsPerSecond = DEFAULT_CONNECTIONS_PER_SECOND;
        private PublishLimits publishLimits = PublishLimits.defaults();
        private ClientMessageRelay otherNodes = ClientMessageRelay.NONE;

        private Builder(IngestConfig config, TelemetryWriter telemetryWriter, MeterRegistry meters) {
            this.config = config;
            this.telemetryWriter = telemetryWriter;
            this.meters = meters;
        }

        /** Authenticate every client against this registry and apply the topic ACL (see {@code Identity}). */
        public Builder credentials(CredentialRegistry credentials) {
            this.credentials = credentials;
            return this;
        }

        /** Also listen for MQTT over TLS (optionally mutual TLS). */
        public Builder tls(TlsSettings tls) {
            this.tls = tls;
            return this;
        }

        /** Also serve CoAP (telemetry POST, observable alarms), sharing the telemetry writer and the registry. */
        public Builder coap(CoapSettings coap) {
            this.coap = coap;
            return this;
        }

        /** How many messages wait for an absent client, and how long its session may outlive the connection. */
        public Builder sessionLimits(SessionLimits sessionLimits) {
            this.sessionLimits = Objects.requireNonNull(sessionLimits, "sessionLimits");
            return this;
        }

        /**
         * Write device online/offline events (e.g. a {@link KafkaDeviceStatusWriter} on topic "status"): MQTT
         * connections coming and going, and CoAP devices' telemetry starting and falling silent.
         */
        public Builder deviceStatus(DeviceStatusWriter deviceStatus) {
            this.deviceStatus = deviceStatus;
            return this;
        }

        /**
         * This server's id in its status events (default: the host name). It must differ between ingest servers,
         * because the alarm job ignores an offline event from a server the gateway has already left: two servers
         * on one host need ids of their own.
         */
        public Builder serverId(String serverId) {
            this.serverId = java.util.Objects.requireNonNull(serverId, "serverId");
            return this;
        }

        /**
         * Serve /health and /metrics over HTTP (metrics need a Prometheus registry as, or inside, the meter
         * registry). Port 0 picks a free one (see {@link IngestServer#httpPort()}).
         */
        public Builder http(String bindHost, int port) {
            this.httpBindHost = Objects.requireNonNull(bindHost, "bindHost");
            this.httpPort = port;
            return this;
        }

        /** New TCP connections accepted per second (also the burst), across listeners; 0 for no limit. */
        public Builder connectionRateLimit(int connectionsPerSecond) {
            this.connectionsPerSecond = connectionsPerSecond;
            return this;
        }

        /** Publish rate per connection, MQTT 5 keep alive maximum, global memory budget of telemetry in flight. */
        public Builder publishLimits(PublishLimits publishLimits) {
            this.publishLimits = Objects.requireNonNull(publishLimits, "publishLimits");
            return this;
        }

        /**
         * One of several ingest nodes behind a load balancer: messages clients publish to each other (and wills)
         * also go to the other nodes through this relay (e.g. {@code KafkaClientMessageRelay}), and QoS 1/2
         * publishes are acknowledged once it has them. Without one the server is a single node.
         */
        public Builder otherNodes(ClientMessageRelay otherNodes) {
            this.otherNodes = Objects.requireNonNull(otherNodes, "otherNodes");
            return this;
        }

        public IngestServer build() {
            return new IngestServer(this);
        }
    }

    /**
     * Binds the port and starts accepting connections.
     *
     * @throws IllegalStateException when started twice or after close
     * @throws java.io.UncheckedIOException (or another exception from Netty) when the port cannot be bound
     */
    public synchronized IngestServer start() {
        if (serverChannel != null || closed) {
            throw new IllegalStateException(closed ? "closed" : "already started");
        }
        if (credentials != null) {
            authenticator = new Authenticator(credentials, meters);
        }
        acceptGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("tocsin-ingest-accept"),
                NioIoHandler.newFactory());
        ioGroup = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("tocsin-ingest-io"),
                NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .channel(NioServerSocketChannel.class)
                .handler(new AcceptRateLimitHandler(connectionRate, meters))
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                // Latency first: no Nagle delay on PUBACKs and alarms (Netty's default, stated here on purpose).
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, SUBSCRIBER_WRITE_LIMITS)
                .childHandler(new IngestChannelInitializer(config, channels, clients, telemetryWriter, subscriptions,
                        meters, authenticator, null, sessions, sessionLimits, retained, connectionListener,
                        publishLimits, memoryBudget, otherNodes));
        ChannelFuture bound = bootstrap.bind(config.bindHost(), config.port()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            shutDownEventLoops();
            throw new IllegalStateException("cannot listen on " + config.bindHost() + ":" + config.port(),
                    bound.cause());
        }
        serverChannel = bound.channel();
        if (tls != null) {
            ChannelFuture tlsBound = bootstrap.clone()
                    .childHandler(new IngestChannelInitializer(config, channels, clients, telemetryWriter,
                            subscriptions, meters, authenticator, tls.sslContext(), sessions, sessionLimits, retained, connectionListener,
                            publishLimits, memoryBudget, otherNodes))
                    .bind(config.bindHost(), tls.port()).awaitUninterruptibly();
            if (!tlsBound.isSuccess()) {
                serverChannel.close().awaitUninterruptibly();
                shutDownEventLoops();
                throw new IllegalStateException("cannot listen for TLS on " + config.bindHost() + ":" + tls.port(),
                        tlsBound.cause());
            }
            tlsServerChannel = tlsBound.channel();
            log.info("MQTT over TLS listening on {}{}", tlsServerChannel.localAddress(),
                    tls.clientCertificates() ? " (client certificates accepted: CN = registry name)" : "");
        }
        if (coapSettings != null) {
            try {
                coap = new CoapIngestEndpoint(coapSettings, telemetryWriter, subscriptions, credentials, deviceStatus,
                        serverId, meters).start();
            } catch (RuntimeException e) {
                close();
                throw new IllegalStateException("cannot start the CoAP endpoint: " + e.getMessage(), e);
            }
        }
        if (httpPortSetting >= 0) {
            try {
                http = new OperationsHttpServer(httpBindHost, httpPortSetting, meters, this::health).start();
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }
        state = "serving";
        Gauge.builder(CONNECTED_CLIENTS, clients, ConnectedClients::size)
                .description("MQTT clients connected (CONNECT accepted)")
                .register(meters);
        log.info("MQTT server listening on {} (max packet {} bytes, max {} in flight per connection)",
                serverChannel.localAddress(), config.maxPacketBytes(), config.maxInFlightPerConnection());
        if (credentials == null) {
            log.warn("No credential registry configured: every MQTT client is accepted, whatever its credentials, "
                    + "and may publish and subscribe anywhere");
        } else {
            log.info("Clients authenticated against a credential registry of {} names; topic ACL enforced",
                    credentials.size());
        }
        return this;
    }

    /** This server's id in its status events (see {@link Builder#serverId}). */
    public String serverId() {
        return serverId;
    }

    /** The port listened on (useful with port 0). */
    public int port() {
        Channel channel = serverChannel;
        if (channel == null) {
            throw new IllegalStateException("not started");
        }
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** The port of the TLS listener (useful with port 0). */
    public int tlsPort() {
        Channel channel = tlsServerChannel;
        if (channel == null) {
            throw new IllegalStateException(tls == null ? "no TLS listener configured" : "not started");
        }
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** The port of the /health and /metrics HTTP server (useful with port 0). */
    public int httpPort() {
        if (http == null) {
            throw new IllegalStateException("no HTTP server configured");
        }
        return http.port();
    }

    private OperationsHttpServer.Health health() {
        return new OperationsHttpServer.Health("serving".equals(state), state, clients.size(), sessions.size());
    }

    /** The CoAP endpoint, when configured (for its ports). */
    public java.util.Optional<CoapIngestEndpoint> coap() {
        return java.util.Optional.ofNullable(coap);
    }

    /** The clients' sessions (subscriptions, messages waiting for absent clients). */
    public Sessions sessions() {
        return sessions;
    }

    /** Who subscribed to what; also the entry point to publish to subscribers (see {@link #publish}). */
    public SubscriptionRegistry subscriptions() {
        return subscriptions;
    }

    /** Where the server's own publishers keep what a new subscription gets at once (the alarms not over). */
    public CurrentMessages currentMessages() {
        return retained;
    }

    /** The retained messages clients published (where the other nodes' retained messages are kept too). */
    public RetainedMessages retainedMessages() {
        return retained;
    }

    /** The clients connected now, by client id. */
    public ConnectedClients clients() {
        return clients;
    }

    /**
     * Publishes a message from the server to the clients subscribed to the topic (safe from any thread).
     *
     * @return the number of subscribers it was handed to
     */
    public int publish(String topic, byte[] payload, MqttQoS qos) {
        return subscriptions.publish(topic, payload, qos);
    }

    /**
     * Graceful shutdown: stops accepting connections (MQTT, TLS, CoAP), stops reading the open ones, lets the
     * publishes in flight finish (up to {@value #DRAIN_TIMEOUT_SECONDS} s, so that every batch the telemetry log
     * stores is also acknowledged), then drops the connections (MQTT 5 clients get DISCONNECT 0x8B "server shutting
     * down") and stops the event loops. Publishes not acknowledged by then are resent by their devices after
     * reconnecting. Does not close the telemetry writer: close it after the server.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        state = "draining";
        if (coap != null) {
            coap.close();
        }
        for (Channel listener : new Channel[] {serverChannel, tlsServerChannel}) {
            if (listener != null) {
                listener.close().awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }
        drainInFlight();
        List<ChannelFuture> closing = new ArrayList<>();
        for (Channel channel : channels) {
            ConnectedClient.find(channel).ifPresentOrElse(
                    client -> client.disconnect(MqttReasonCodes.Disconnect.SERVER_SHUTTING_DOWN, "server shutting down"),
                    channel::close);
            closing.add(channel.closeFuture());
        }
        for (ChannelFuture future : closing) {
            future.awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        shutDownEventLoops();
        if (authenticator != null) {
            authenticator.close();
        }
        if (http != null) {
            http.close();
        }
        state = "stopped";
        log.info("MQTT server stopped");
    }

    /** Stops reading every connection and waits until their in-flight publishes are answered (bounded). */
    private void drainInFlight() {
        List<ConnectedClient> connected = new ArrayList<>();
        for (Channel channel : channels) {
            ConnectedClient.find(channel).ifPresent(client -> {
                connected.add(client);
                channel.eventLoop().execute(() -> client.inFlight().drain());
            });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_TIMEOUT_SECONDS);
        int pending = pendingOf(connected);
        if (pending > 0) {
            log.info("Shutting down: waiting for {} publishes in flight", pending);
        }
        while (pending > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(DRAIN_POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            pending = pendingOf(connected);
        }
        if (pending > 0) {
            log.warn("Shutting down with {} publishes still in flight: their devices will resend them", pending);
        }
    }

    private static int pendingOf(List<ConnectedClient> clients) {
        int pending = 0;
        for (ConnectedClient client : clients) {
            if (!client.channel().isActive()) {
                continue;
            }
            try {
                pending += client.channel().eventLoop().submit(() -> client.inFlight().pending())
                        .get(1, TimeUnit.SECONDS);
            } catch (Exception e) {
                // The connection or its loop is going away: nothing more to wait for there.
            }
        }
        return pending;
    }

    private void shutDownEventLoops() {
        List<io.netty.util.concurrent.Future<?>> terminations = new ArrayList<>();
        for (EventLoopGroup group : new EventLoopGroup[] {acceptGroup, ioGroup}) {
            if (group != null) {
                terminations.add(group.shutdownGracefully(0, CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS));
            }
        }
        for (io.netty.util.concurrent.Future<?> termination : terminations) {
            termination.awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS + 1, TimeUnit.SECONDS);
        }
    }
}
