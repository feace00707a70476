package io.tocsin.ingest.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
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
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.tocsin.ingest.IngestConfig;
import io.tocsin.ingest.IngestServer;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many idle devices: each connects (MQTT 5, keep alive), gets its CONNACK, then only pings. Two processes, so
 * that the server's heap is measured alone and each side stays under the file descriptor limit:
 *
 * <pre>
 * server  port=1884 expect=10000        ingest server (run it with -Xmx512m); once `expect` clients are connected
 *                                       it prints the heap used after a full GC, then exits when they are gone
 * clients port=1884 connections=10000 keepAlive=30 hold=60 perSecond=1500
 * </pre>
 */
public final class IdleConnectionsBench {

    private IdleConnectionsBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = BenchOptions.parse(args, 1);
        int port = Integer.parseInt(options.getOrDefault("port", "1884"));
        if (args.length > 0 && args[0].equals("server")) {
            server(port, Integer.parseInt(options.getOrDefault("expect", "10000")));
        } else if (args.length > 0 && args[0].equals("clients")) {
            clients(port, Integer.parseInt(options.getOrDefault("connections", "10000")),
                    Integer.parseInt(options.getOrDefault("keepAlive", "30")),
                    Integer.parseInt(options.getOrDefault("hold", "60")),
                    Integer.parseInt(options.getOrDefault("perSecond", "1500")));
        } else {
            System.err.println("usage: server port=1884 expect=10000 | clients port=1884 connections=10000 "
                    + "keepAlive=30 hold=60 perSecond=1500");
            System.exit(2);
        }
    }

    private static void server(int port, int expect) throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (IngestServer server = IngestServer.builder(IngestConfig.defaults().withBindHost("127.0.0.1")
                        .withPort(port), (address, payload) -> CompletableFuture.completedFuture(null), meters)
                .build().start()) {
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            System.gc();
            long baseline = memory.getHeapMemoryUsage().getUsed();
            System.out.printf("server ready on %d, heap used after GC with no client: %.1f MB (max %.0f MB)%n", port,
                    baseline / 1e6, memory.getHeapMemoryUsage().getMax() / 1e6);
            while (server.clients().size() < expect) {
                Thread.sleep(500);
            }
            // Let the last CONNACKs and a round of pings settle before measuring.
            Thread.sleep(5_000);
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            long used = memory.getHeapMemoryUsage().getUsed();
            System.out.printf("%d clients connected: heap used after GC %.1f MB, %.1f KB per connection above "
                            + "the empty server%n", server.clients().size(), used / 1e6,
                    (used - baseline) / 1024.0 / server.clients().size());
            while (server.clients().size() > 0) {
                Thread.sleep(500);
            }
        }
    }

    private static void clients(int port, int connections, int keepAlive, int holdSeconds, int perSecond)
            throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        AtomicInteger acked = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        CountDownLatch answered = new CountDownLatch(connections);
        ConcurrentLinkedQueue<Channel> channels = new ConcurrentLinkedQueue<>();
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline().addLast(new MqttDecoder(), MqttEncoder.INSTANCE,
                                new SimpleChannelInboundHandler<MqttMessage>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
                                        if (msg instanceof MqttConnAckMessage) {
                                            acked.incrementAndGet();
                                            answered.countDown();
                                            ctx.executor().scheduleAtFixedRate(() -> ctx.writeAndFlush(
                                                    new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGREQ,
                                                            false, MqttQoS.AT_MOST_ONCE, false, 0))),
                                                    keepAlive / 2, keepAlive / 2, TimeUnit.SECONDS);
                                        }
                                    }
                                });
                    }
                });
        long start = System.nanoTime();
        for (int i = 0; i < connections; i++) {
            String clientId = "idle-" + i;
            bootstrap.connect("127.0.0.1", port).addListener(future -> {
                if (!future.isSuccess()) {
                    failed.incrementAndGet();
                    answered.countDown();
                    return;
                }
                Channel channel = ((io.netty.channel.ChannelFuture) future).channel();
                channels.add(channel);
                channel.closeFuture().addListener(closed -> channels.remove(channel));
                channel.writeAndFlush(MqttMessageBuilders.connect().clientId(clientId)
                        .protocolVersion(MqttVersion.MQTT_5).keepAlive(keepAlive).cleanSession(true).build());
            });
            // Pace below the server's connection rate limit (2000/s by default).
            if ((i + 1) % Math.max(1, perSecond / 10) == 0) {
                Thread.sleep(100);
            }
        }
        boolean all = answered.await(120, TimeUnit.SECONDS);
        System.out.printf("%d/%d connected (CONNACK) in %.1f s, %d failed%s%n", acked.get(), connections,
                (System.nanoTime() - start) / 1e9, failed.get(), all ? "" : ", some never answered");
        Thread.sleep(holdSeconds * 1000L);
        System.out.printf("after holding %d s: %d connections still open%n", holdSeconds, channels.size());
        List<Channel> open = List.copyOf(channels);
        for (Channel channel : open) {
            channel.close();
        }
        group.shutdownGracefully().sync();
    }
}
