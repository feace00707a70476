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
import io.tocsin.ingest.mqtt.ConnectedClient;
import io.tocsin.ingest.mqtt.ConnectedClients;
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
 *              server.subscriptions(), meterRegistry).start()) {
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
    private static final long CLOSE_TIMEOUT_SECONDS = 5;

    private final IngestConfig config;
    private final TelemetryWriter telemetryWriter;
    private final MeterRegistry meters;
    private final ConnectedClients clients = new ConnectedClients();
    private final SubscriptionRegistry subscriptions = new SubscriptionRegistry();
    private final ChannelGroup channels = new DefaultChannelGroup("tocsin-ingest", GlobalEventExecutor.INSTANCE);
    private EventLoopGroup acceptGroup;
    private EventLoopGroup ioGroup;
    private Channel serverChannel;
    private boolean closed;

    public IngestServer(IngestConfig config, TelemetryWriter telemetryWriter, MeterRegistry meters) {
        this.config = Objects.requireNonNull(config, "config");
        this.telemetryWriter = Objects.requireNonNull(telemetryWriter, "telemetryWriter");
        this.meters = Objects.requireNonNull(meters, "meters");
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
        acceptGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("tocsin-ingest-accept"),
                NioIoHandler.newFactory());
        ioGroup = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("tocsin-ingest-io"),
                NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                // Latency first: no Nagle delay on PUBACKs and alarms (Netty's default, stated here on purpose).
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, SUBSCRIBER_WRITE_LIMITS)
                .childHandler(new IngestChannelInitializer(config, channels, clients, telemetryWriter, subscriptions,
                        meters));
        ChannelFuture bound = bootstrap.bind(config.bindHost(), config.port()).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            shutDownEventLoops();
            throw new IllegalStateException("cannot listen on " + config.bindHost() + ":" + config.port(),
                    bound.cause());
        }
        serverChannel = bound.channel();
        Gauge.builder(CONNECTED_CLIENTS, clients, ConnectedClients::size)
                .description("MQTT clients connected (CONNECT accepted)")
                .register(meters);
        log.info("MQTT server listening on {} (max packet {} bytes, max {} in flight per connection)",
                serverChannel.localAddress(), config.maxPacketBytes(), config.maxInFlightPerConnection());
        log.warn("Authentication is not implemented yet: every MQTT client is accepted, whatever its credentials");
        return this;
    }

    /** The port listened on (useful with port 0). */
    public int port() {
        Channel channel = serverChannel;
        if (channel == null) {
            throw new IllegalStateException("not started");
        }
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Who subscribed to what; also the entry point to publish to subscribers (see {@link #publish}). */
    public SubscriptionRegistry subscriptions() {
        return subscriptions;
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
     * Stops accepting connections, then drops the open ones (MQTT 5 clients get DISCONNECT 0x8B "server shutting
     * down"), then stops the event loops. Publishes not acknowledged yet are resent by their devices after
     * reconnecting. Does not close the telemetry writer: close it after the server.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
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
        log.info("MQTT server stopped");
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
