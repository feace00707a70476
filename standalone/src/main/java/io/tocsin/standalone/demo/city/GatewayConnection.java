package io.tocsin.standalone.demo.city;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
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
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.TelemetryBatch;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated gateway's MQTT 5 uplink on a shared Netty event loop: a few hundred of these cost one thread,
 * where a Paho client costs three or four each. Publishes telemetry batches at QoS 1, keeps every batch until a
 * successful PUBACK (a refusal, a lost connection: the batch is sent again after reconnecting, like the edge
 * agent's buffer), and sets the gateway's last will ("offline" on its status topic).
 *
 * <p>Not thread-safe by design: every method runs on, or hands over to, the connection's event loop.
 */
public final class GatewayConnection {

    private static final Logger log = LoggerFactory.getLogger(GatewayConnection.class);

    /** Unacknowledged publishes at a time; more wait in the queue (MQTT 5 receive maximum of the server). */
    static final int MAX_IN_FLIGHT = 32;
    /** Batches kept while the uplink is down; beyond this the oldest telemetry is dropped and counted. */
    static final int MAX_QUEUED = 3_600;
    private static final int KEEP_ALIVE_S = 30;
    private static final long RECONNECT_DELAY_MS = 2_000;

    /** What the connection tells its fleet. */
    public interface Listener {
        void acknowledged(TelemetryBatch batch);

        void refused(TelemetryBatch batch, int reasonCode);

        void dropped(TelemetryBatch batch);

        void connected(boolean up);
    }

    private final Bootstrap bootstrap;
    private final EventLoop loop;
    private final String host;
    private final int port;
    private final String siteId;
    private final String deviceId;
    private final String topic;
    private final Listener listener;
    private final ArrayDeque<TelemetryBatch> queue = new ArrayDeque<>();
    private final Map<Integer, TelemetryBatch> inFlight = new HashMap<>();
    private Channel channel;
    private boolean ready;
    private boolean wantOnline = true;
    private int nextPacketId = 1;

    public GatewayConnection(EventLoop loop, String host, int port, String siteId, String deviceId,
                             Listener listener) {
        this.loop = loop;
        this.host = host;
        this.port = port;
        this.siteId = siteId;
        this.deviceId = deviceId;
        this.topic = MqttTopics.telemetry(siteId, deviceId);
        this.listener = listener;
        this.bootstrap = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true) // a batch must not wait for Nagle
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(MqttEncoder.INSTANCE, new MqttDecoder(1 << 20), new Inbound());
                    }
                });
    }

    public String siteId() {
        return siteId;
    }

    public String deviceId() {
        return deviceId;
    }

    public EventLoop eventLoop() {
        return loop;
    }

    /** Connects (again) and keeps reconnecting until {@link #goOffline} or {@link #close}. */
    public void goOnline() {
        loop.execute(() -> {
            wantOnline = true;
            if (channel == null) {
                connect();
            }
        });
    }

    /**
     * Drops the connection without a DISCONNECT, as a gateway losing power or its uplink does: the server
     * publishes the last will. Batches published meanwhile are queued.
     */
    public void goOffline() {
        loop.execute(() -> {
            wantOnline = false;
            if (channel != null) {
                channel.close();
            }
        });
    }

    /** Queues the batch and sends it as soon as the connection and the in-flight window allow. */
    public void publish(TelemetryBatch batch) {
        if (loop.inEventLoop()) {
            enqueue(batch);
        } else {
            loop.execute(() -> enqueue(batch));
        }
    }

    /** Batches not yet acknowledged (queued or in flight). Read from any thread: an estimate. */
    public int pending() {
        return queue.size() + inFlight.size();
    }

    public boolean isReady() {
        return ready;
    }

    /** Closes for good, with a DISCONNECT (no last will). */
    public void close() {
        loop.execute(() -> {
            wantOnline = false;
            if (channel != null && channel.isActive()) {
                channel.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.DISCONNECT, false,
                        MqttQoS.AT_MOST_ONCE, false, 0))).addListener(ChannelFutureListener.CLOSE);
            }
        });
    }

    private void enqueue(TelemetryBatch batch) {
        if (queue.size() >= MAX_QUEUED) {
            listener.dropped(queue.pollFirst());
        }
        queue.addLast(batch);
        drain();
    }

    private void drain() {
        if (!ready) {
            return;
        }
        boolean wrote = false;
        while (inFlight.size() < MAX_IN_FLIGHT && !queue.isEmpty()) {
            TelemetryBatch batch = queue.pollFirst();
            int id = nextPacketId();
            inFlight.put(id, batch);
            channel.write(MqttMessageBuilders.publish().topicName(topic).qos(MqttQoS.AT_LEAST_ONCE).messageId(id)
                    .retained(false).payload(Unpooled.wrappedBuffer(batch.toByteArray())).build());
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
    }

    private int nextPacketId() {
        int id;
        do {
            id = nextPacketId;
            nextPacketId = nextPacketId == 0xFFFF ? 1 : nextPacketId + 1;
        } while (inFlight.containsKey(id));
        return id;
    }

    private void connect() {
        bootstrap.connect(host, port).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                log.debug("Gateway {}/{} could not connect: {}", siteId, deviceId, f.cause().toString());
                scheduleReconnect();
                return;
            }
            channel = f.channel();
            channel.closeFuture().addListener(c -> lost());
            String statusTopic = "tocsin/v1/status/" + siteId + "/" + deviceId;
            channel.writeAndFlush(MqttMessageBuilders.connect().clientId(siteId + "." + deviceId)
                    .protocolVersion(MqttVersion.MQTT_5).cleanSession(true).keepAlive(KEEP_ALIVE_S)
                    .willFlag(true).willTopic(statusTopic).willQoS(MqttQoS.AT_LEAST_ONCE).willRetain(true)
                    .willMessage("offline".getBytes(StandardCharsets.UTF_8)).build());
        });
    }

    private void lost() {
        channel = null;
        if (ready) {
            ready = false;
            listener.connected(false);
        }
        // What was in flight was not acknowledged: it goes first when the connection is back.
        inFlight.entrySet().stream().sorted(Map.Entry.<Integer, TelemetryBatch>comparingByKey().reversed())
                .forEach(e -> queue.addFirst(e.getValue()));
        inFlight.clear();
        if (wantOnline) {
            scheduleReconnect();
        }
    }

    private void scheduleReconnect() {
        loop.schedule(() -> {
            if (wantOnline && channel == null) {
                connect();
            }
        }, RECONNECT_DELAY_MS, TimeUnit.MILLISECONDS);
    }

    private void keepAlive(Channel ch) {
        loop.schedule(() -> {
            if (ch.isActive()) {
                ch.writeAndFlush(new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGREQ, false,
                        MqttQoS.AT_MOST_ONCE, false, 0)));
                keepAlive(ch);
            }
        }, KEEP_ALIVE_S / 2, TimeUnit.SECONDS);
    }

    private final class Inbound extends SimpleChannelInboundHandler<MqttMessage> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
            if (msg.decoderResult().isFailure()) {
                log.warn("Gateway {}/{}: undecodable packet from the server: {}", siteId, deviceId,
                        msg.decoderResult().cause().toString());
                ctx.close();
                return;
            }
            switch (msg.fixedHeader().messageType()) {
                case CONNACK -> onConnAck(ctx, (MqttConnAckMessage) msg);
                case PUBACK -> onPubAck(msg);
                case PINGRESP -> { }
                case DISCONNECT -> ctx.close();
                default -> log.debug("Gateway {}/{}: ignoring {}", siteId, deviceId, msg.fixedHeader().messageType());
            }
        }

        private void onConnAck(ChannelHandlerContext ctx, MqttConnAckMessage ack) {
            MqttConnectReturnCode code = ack.variableHeader().connectReturnCode();
            if (code != MqttConnectReturnCode.CONNECTION_ACCEPTED) {
                log.warn("Gateway {}/{} refused by the server: {}", siteId, deviceId, code);
                ctx.close();
                return;
            }
            ready = true;
            listener.connected(true);
            ctx.writeAndFlush(MqttMessageBuilders.publish().topicName("tocsin/v1/status/" + siteId + "/" + deviceId)
                    .qos(MqttQoS.AT_MOST_ONCE).retained(true)
                    .payload(Unpooled.wrappedBuffer("online".getBytes(StandardCharsets.UTF_8))).build());
            keepAlive(ctx.channel());
            drain();
        }

        private void onPubAck(MqttMessage ack) {
            int id = ((MqttMessageIdVariableHeader) ack.variableHeader()).messageId();
            int reason = ack.variableHeader() instanceof MqttPubReplyMessageVariableHeader reply
                    ? reply.reasonCode() & 0xFF : 0;
            TelemetryBatch batch = inFlight.remove(id);
            if (batch == null) {
                return;
            }
            if (reason < 0x80) {
                listener.acknowledged(batch);
            } else {
                // Refused (0x80: Kafka could not take it): keep it and send it again, like the edge agent.
                listener.refused(batch, reason);
                queue.addFirst(batch);
            }
            drain();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("Gateway {}/{}: {}", siteId, deviceId, cause.toString());
            ctx.close();
        }
    }

    /** For a listener that only counts. */
    public static Listener counting(Consumer<TelemetryBatch> onAck) {
        return new Listener() {
            @Override
            public void acknowledged(TelemetryBatch batch) {
                onAck.accept(batch);
            }

            @Override
            public void refused(TelemetryBatch batch, int reasonCode) {
            }

            @Override
            public void dropped(TelemetryBatch batch) {
            }

            @Override
            public void connected(boolean up) {
            }
        };
    }
}
