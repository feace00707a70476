package io.tocsin.ingest.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * N MQTT 3.1.1 connections (Netty, not Paho: one thread per client would measure the client), each keeping
 * {@code window} QoS 1 telemetry publishes in flight, sending the next as soon as a PUBACK comes back.
 * PUBACK latencies in the measured window go into one array per connection, sorted at the end.
 */
final class LoadGenerator {

    /**
     * @param clientThreads    the generator's event-loop threads (each connection stays on one)
     * @param payloadPerSecond encode a connection's batch once a second and send those bytes until the next, instead
     *                         of encoding every publish's batch anew
     */
    record Load(int connections, int window, Duration warmUp, Duration measured, int readings, int clientThreads,
                boolean payloadPerSecond) {
    }

    record Result(double ackedPerSecond, double p50Millis, double p99Millis, long errors) {
    }

    private final String host;
    private final int port;
    private final Load load;
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile boolean measuring;
    private volatile boolean running = true;

    LoadGenerator(String host, int port, Load load) {
        this.host = host;
        this.port = port;
        this.load = load;
    }

    Result run() throws InterruptedException, ExecutionException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(load.clientThreads(),
                new DefaultThreadFactory("bench-client"), NioIoHandler.newFactory());
        Connection[] connections = new Connection[load.connections()];
        CountDownLatch connected = new CountDownLatch(load.connections());
        try {
            Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true);
            for (int i = 0; i < connections.length; i++) {
                Connection connection = new Connection(i, connected);
                connections[i] = connection;
                bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new MqttDecoder(), MqttEncoder.INSTANCE, connection);
                    }
                }).connect(host, port).sync();
            }
            if (!connected.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not all connections were accepted");
            }
            Thread.sleep(load.warmUp().toMillis());
            long before = acked.get();
            measuring = true;
            long start = System.nanoTime();
            Thread.sleep(load.measured().toMillis());
            measuring = false;
            double elapsed = (System.nanoTime() - start) / 1e9;
            long count = acked.get() - before;
            running = false;
            // Read on each connection's event loop: a PUBACK handled there may still be adding its latency.
            List<long[]> measured = new ArrayList<>();
            for (Connection connection : connections) {
                measured.add(connection.channel.eventLoop().submit(connection::measuredLatencies).get());
            }
            long[] all = measured.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            return new Result(count / elapsed, percentile(all, 0.50), percentile(all, 0.99), errors.get());
        } finally {
            for (Connection connection : connections) {
                if (connection != null && connection.channel != null) {
                    connection.channel.close();
                }
            }
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    private static double percentile(long[] sorted, double quantile) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] / 1e6;
    }

    /** One device connection. Event loop only, except the latencies read after the run. */
    private final class Connection extends SimpleChannelInboundHandler<MqttMessage> {
        private final int index;
        private final CountDownLatch connected;
        private final String topic;
        private final long[] sentAt = new long[65_536];
        private long[] latencies = new long[1 << 16];
        private int latencyCount;
        private int nextPacketId;
        private long sequence;
        private byte[] payload;
        private long payloadSecond;
        private Channel channel;

        Connection(int index, CountDownLatch connected) {
            this.index = index;
            this.connected = connected;
            this.topic = MqttTopics.telemetry("bench-site", "dev-" + index);
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            ctx.writeAndFlush(MqttMessageBuilders.connect().clientId("bench-" + index)
                    .protocolVersion(MqttVersion.MQTT_3_1_1).cleanSession(true).keepAlive(60).build());
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage message) {
            MqttMessageType type = message.fixedHeader().messageType();
            if (type == MqttMessageType.CONNACK) {
                if (((MqttConnAckMessage) message).variableHeader().connectReturnCode()
                        != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                    errors.incrementAndGet();
                    return;
                }
                connected.countDown();
                for (int i = 0; i < load.window(); i++) {
                    publish(ctx);
                }
                ctx.flush();
            } else if (type == MqttMessageType.PUBACK) {
                int packetId = ((MqttMessageIdVariableHeader) message.variableHeader()).messageId();
                long latency = System.nanoTime() - sentAt[packetId];
                acked.incrementAndGet();
                if (measuring) {
                    if (latencyCount == latencies.length) {
                        latencies = Arrays.copyOf(latencies, latencies.length * 2);
                    }
                    latencies[latencyCount++] = latency;
                }
                if (running) {
                    publish(ctx);
                    ctx.flush();
                }
            }
        }

        /** The latencies recorded while measuring; on the event loop. */
        long[] measuredLatencies() {
            return Arrays.copyOf(latencies, latencyCount);
        }

        private void publish(ChannelHandlerContext ctx) {
            nextPacketId = nextPacketId == 0xFFFF ? 1 : nextPacketId + 1;
            long now = System.currentTimeMillis();
            if (load.payloadPerSecond()) {
                // The same bytes for every publish of this connection within a second: the generator then
                // spends its CPU on MQTT, not on protobuf builders (devices are on other machines in reality).
                if (payload == null || now / 1000 != payloadSecond) {
                    payloadSecond = now / 1000;
                    payload = batch(now);
                }
            } else {
                payload = batch(now);
            }
            sentAt[nextPacketId] = System.nanoTime();
            ctx.write(new MqttPublishMessage(
                    new MqttFixedHeader(MqttMessageType.PUBLISH, false, MqttQoS.AT_LEAST_ONCE, false, 0),
                    new MqttPublishVariableHeader(topic, nextPacketId), Unpooled.wrappedBuffer(payload)));
        }

        private byte[] batch(long now) {
            TelemetryBatch.Builder batch = TelemetryBatch.newBuilder().setSiteId("bench-site")
                    .setDeviceId("dev-" + index).setSequence(++sequence);
            for (int r = 0; r < load.readings(); r++) {
                batch.addReadings(Reading.newBuilder().setSensorId("gas-" + r).setTimestampMs(now).setValue(r * 1.5)
                        .setQuality(Quality.QUALITY_GOOD).setUnit("%LEL"));
            }
            return batch.build().toByteArray();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.incrementAndGet();
            ctx.close();
        }
    }
}
