package io.tocsin.ingest.bench;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
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
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.tocsin.ingest.IngestConfig;
import io.tocsin.ingest.IngestServer;
import io.tocsin.ingest.auth.Authenticator;
import io.tocsin.ingest.auth.CredentialRegistry;
import io.tocsin.ingest.auth.Identity;
import io.tocsin.ingest.auth.PasswordHash;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What an ingest restart costs a fleet of password-authenticated gateways: every gateway reconnects to a server
 * whose cache of verified logins is empty, so each pays one PBKDF2 check, one after another on the check threads
 * (half the cores). Measured for chosen passwords at 600,000 iterations and for generated secrets
 * ({@code HashPasswordCommand --generate}, 1,000 iterations), each against a freshly started server (cold), then
 * all gateways again against the same server (warm: the cache answers). Prints, per run, the time until the last
 * gateway had its CONNACK, the wait per gateway (p50 / p99), and the server's own check time per login.
 *
 * <p>Arguments (key=value): chosen (gateways with chosen passwords, 100: each costs ~0.25 s here), generated
 * (gateways with generated secrets, 5,000), perSecond (connection attempts per second, 1,000: below the server's
 * connection rate limit).
 *
 * <pre>
 * cd ingest/bench &amp;&amp; ../../mvnw -B -q compile org.codehaus.mojo:exec-maven-plugin:3.5.0:java \
 *   -Dexec.mainClass=io.tocsin.ingest.bench.ReconnectStormBench -Dexec.args="chosen=100 generated=5000"
 * </pre>
 */
public final class ReconnectStormBench {

    private static final String SITE = "park";
    private static final String CHOSEN_PASSWORD = "a password someone chose";

    private ReconnectStormBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = BenchOptions.parse(args, 0);
        int chosen = Integer.parseInt(options.getOrDefault("chosen", "100"));
        int generated = Integer.parseInt(options.getOrDefault("generated", "5000"));
        int perSecond = Integer.parseInt(options.getOrDefault("perSecond", "1000"));
        System.out.printf("%d cores; check threads: %d%n", Runtime.getRuntime().availableProcessors(),
                Math.max(1, Runtime.getRuntime().availableProcessors() / 2));

        // Every gateway of a run shares one hash (making 10,000 hashes at 600,000 iterations would take longer than
        // the run); the server's cache is per name, so each gateway still pays its own check.
        PasswordHash chosenHash = PasswordHash.create(CHOSEN_PASSWORD.toCharArray(), PasswordHash.DEFAULT_ITERATIONS);
        run("chosen passwords, " + PasswordHash.DEFAULT_ITERATIONS + " iterations", chosen, chosenHash,
                CHOSEN_PASSWORD, perSecond);
        PasswordHash.GeneratedSecret secret = PasswordHash.generate();
        run("generated secrets, " + PasswordHash.GENERATED_ITERATIONS + " iterations", generated, secret.hash(),
                secret.secret(), perSecond);
    }

    private static void run(String kind, int gateways, PasswordHash hash, String password, int perSecond)
            throws Exception {
        Map<String, CredentialRegistry.Entry> entries = new HashMap<>();
        for (int i = 0; i < gateways; i++) {
            String name = "gw-" + i;
            entries.put(name, new CredentialRegistry.Entry(Identity.device(name, SITE, name), hash));
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (IngestServer server = IngestServer.builder(IngestConfig.defaults().withBindHost("127.0.0.1").withPort(0),
                        (address, payload) -> CompletableFuture.completedFuture(null), meters)
                .credentials(CredentialRegistry.of(entries)).build().start()) {
            for (String phase : List.of("cold (just started)", "warm (reconnect)")) {
                Timer checks = meters.find(Authenticator.CHECK_TIME).timer();
                long checksBefore = checks == null ? 0 : checks.count();
                double checkSecondsBefore = checks == null ? 0 : checks.totalTime(TimeUnit.SECONDS);
                Storm storm = connectAll(server.port(), gateways, password, perSecond);
                checks = meters.find(Authenticator.CHECK_TIME).timer();
                long checkCount = checks.count() - checksBefore;
                double checkSeconds = checks.totalTime(TimeUnit.SECONDS) - checkSecondsBefore;
                System.out.printf("%s, %,d gateways, %s: all connected after %.2f s (%d refused, %d unanswered); "
                                + "wait per gateway p50 %.0f ms, p99 %.0f ms; %d PBKDF2 checks, %.1f ms each%n",
                        kind, gateways, phase, storm.seconds(), storm.refused(), storm.unanswered(),
                        storm.percentileMs(50), storm.percentileMs(99), checkCount,
                        checkCount == 0 ? 0 : checkSeconds * 1000 / checkCount);
            }
        }
    }

    private record Storm(double seconds, int refused, int unanswered, List<Long> waitsNanos) {
        double percentileMs(int p) {
            if (waitsNanos.isEmpty()) {
                return Double.NaN;
            }
            List<Long> sorted = waitsNanos.stream().sorted().toList();
            return sorted.get(Math.min(sorted.size() - 1, sorted.size() * p / 100)) / 1e6;
        }
    }

    /** Connects every gateway (paced), waits for every CONNACK, closes them all. */
    private static Storm connectAll(int port, int gateways, String password, int perSecond) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        AtomicInteger refused = new AtomicInteger();
        CountDownLatch answered = new CountDownLatch(gateways);
        ConcurrentLinkedQueue<Long> waits = new ConcurrentLinkedQueue<>();
        List<Channel> channels = new ArrayList<>();
        byte[] passwordBytes = password.getBytes(StandardCharsets.UTF_8);
        long start = System.nanoTime();
        try {
            for (int i = 0; i < gateways; i++) {
                String name = "gw-" + i;
                long sentAt = System.nanoTime();
                ChannelFuture connected = new Bootstrap().group(group).channel(NioSocketChannel.class)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .handler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel channel) {
                                channel.pipeline().addLast(new MqttDecoder(), MqttEncoder.INSTANCE,
                                        new SimpleChannelInboundHandler<MqttMessage>() {
                                            @Override
                                            protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
                                                if (msg instanceof MqttConnAckMessage ack) {
                                                    if (ack.variableHeader().connectReturnCode()
                                                            != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                                                        refused.incrementAndGet();
                                                    }
                                                    waits.add(System.nanoTime() - sentAt);
                                                    answered.countDown();
                                                }
                                            }
                                        });
                            }
                        })
                        .connect("127.0.0.1", port);
                connected.addListener(future -> {
                    if (!future.isSuccess()) {
                        answered.countDown();
                        return;
                    }
                    connected.channel().writeAndFlush(MqttMessageBuilders.connect().clientId(name)
                            .protocolVersion(MqttVersion.MQTT_5).keepAlive(600).cleanSession(true)
                            .username(name).password(passwordBytes).build());
                });
                channels.add(connected.channel());
                if ((i + 1) % Math.max(1, perSecond / 10) == 0) {
                    Thread.sleep(100); // pacing the load generator, not synchronisation
                }
            }
            boolean all = answered.await(30, TimeUnit.MINUTES);
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Storm(seconds, refused.get(), all ? 0 : (int) answered.getCount(), List.copyOf(waits));
        } finally {
            for (Channel channel : channels) {
                channel.close();
            }
            group.shutdownGracefully().sync();
        }
    }
}
