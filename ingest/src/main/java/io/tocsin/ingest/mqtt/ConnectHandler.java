package io.tocsin.ingest.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The CONNECT handshake and the rule that it comes first and once.
 *
 * <ul>
 *   <li>Nothing may come before CONNECT, and a connection that sends no CONNECT within the connect timeout is
 *       closed, so half-open or idle sockets cannot pile up.</li>
 *   <li>A second CONNECT is a protocol error (MQTT 3.1.0-2).</li>
 *   <li>An empty client id gets one assigned (MQTT 5 returns it in the CONNACK); MQTT 3.1.1 allows that only
 *       with a clean session (3.1.3-8).</li>
 *   <li>A client id already connected takes over: the older connection is dropped.</li>
 *   <li>Keep alive: the connection is closed after 1.5 times the client's keep alive without a packet.</li>
 * </ul>
 *
 * <p>There are no persistent sessions yet, so Session Present is always 0, and no authentication yet: every
 * client is let in (a later issue adds a credential registry).
 *
 * <p>One instance per connection.
 */
public final class ConnectHandler extends ChannelInboundHandlerAdapter {

    public static final String PROTOCOL_ERRORS = "tocsin.ingest.protocol.errors";

    private static final Logger log = LoggerFactory.getLogger(ConnectHandler.class);

    /** MQTT 3.1.2.10: the server allows one and a half times the keep alive. */
    private static final double KEEP_ALIVE_GRACE = 1.5;

    private final ConnectedClients clients;
    private final Settings settings;
    private final MeterRegistry meters;
    private final KeepAliveHandler keepAliveHandler;
    private ScheduledFuture<?> connectTimeout;
    private ConnectedClient client;

    /**
     * What the server lets a connection do, as advertised to MQTT 5 clients in the CONNACK.
     *
     * @param maxPacketBytes largest packet the decoder accepts
     * @param maxInFlight    QoS 1 publishes in flight before reading pauses (MQTT 5 Receive Maximum)
     * @param connectTimeout time allowed between opening the connection and its CONNECT
     */
    public record Settings(int maxPacketBytes, int maxInFlight, Duration connectTimeout) {
    }

    public ConnectHandler(ConnectedClients clients, Settings settings, KeepAliveHandler keepAliveHandler,
                          MeterRegistry meters) {
        this.clients = clients;
        this.settings = settings;
        this.keepAliveHandler = keepAliveHandler;
        this.meters = meters;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        connectTimeout = ctx.executor().schedule(() -> {
            if (client == null && ctx.channel().isActive()) {
                protocolError("connect_timeout").increment();
                log.info("Closing connection from {}: no CONNECT within {} ms", ctx.channel().remoteAddress(),
                        settings.connectTimeout().toMillis());
                ctx.close();
            }
        }, settings.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttMessage message)) {
            ctx.fireChannelRead(msg);
            return;
        }
        MqttMessageType type = message.fixedHeader().messageType();
        if (client == null) {
            if (type == MqttMessageType.CONNECT) {
                onConnect(ctx, (MqttConnectMessage) message);
            } else {
                ReferenceCountUtil.release(msg);
                protocolError("packet_before_connect").increment();
                log.warn("Closing connection from {}: {} before CONNECT", ctx.channel().remoteAddress(), type);
                ctx.close();
            }
            return;
        }
        if (type == MqttMessageType.CONNECT) {
            ReferenceCountUtil.release(msg);
            protocolError("second_connect").increment();
            log.warn("Closing connection of client {}: second CONNECT on one connection", client);
            client.disconnect(MqttReasonCodes.Disconnect.PROTOCOL_ERROR, "second CONNECT on one connection");
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private void onConnect(ChannelHandlerContext ctx, MqttConnectMessage connect) {
        cancelConnectTimeout();
        MqttConnectVariableHeader header = connect.variableHeader();
        MqttConnectPayload payload = connect.payload();
        MqttVersion version = switch (header.version()) {
            case 4 -> MqttVersion.MQTT_3_1_1;
            case 5 -> MqttVersion.MQTT_5;
            default -> null;
        };
        if (version == null) {
            // The ProtocolVersionGate already refuses these; kept so that this handler stands on its own.
            refuse(ctx, "unsupported_protocol_version", "unsupported protocol level " + header.version(),
                    MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION);
            return;
        }
        boolean v5 = version == MqttVersion.MQTT_5;
        MqttProperties properties = header.properties();

        String clientId = payload.clientIdentifier();
        boolean assigned = false;
        if (clientId == null || clientId.isEmpty()) {
            if (!v5 && !header.isCleanSession()) {
                refuse(ctx, "identifier_rejected", "empty client id without clean session",
                        MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED);
                return;
            }
            clientId = "tocsin-" + UUID.randomUUID();
            assigned = true;
        }
        if (v5 && properties.getProperty(MqttProperties.AUTHENTICATION_METHOD) != null) {
            refuse(ctx, "bad_authentication_method", "enhanced authentication is not supported",
                    MqttConnectReturnCode.CONNECTION_REFUSED_BAD_AUTHENTICATION_METHOD);
            return;
        }
        if (header.isWillFlag()) {
            log.debug("Client {} sent a will message on {}: wills are not supported yet, ignored",
                    clientId, payload.willTopic());
        }

        int keepAlive = header.keepAliveTimeSeconds();
        client = new ConnectedClient(ctx.channel(), clientId, version, keepAlive,
                intProperty(properties, MqttProperties.REQUEST_PROBLEM_INFORMATION, 1) != 0,
                maximumPacketSize(properties), settings.maxInFlight(),
                meters.counter(InFlightPublishes.READ_PAUSES));
        client.attach();
        if (keepAlive > 0) {
            long idleMillis = (long) (keepAlive * 1000L * KEEP_ALIVE_GRACE);
            ctx.pipeline().addAfter(HandlerNames.DECODER, HandlerNames.KEEP_ALIVE_IDLE,
                    new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
            ctx.pipeline().addAfter(HandlerNames.KEEP_ALIVE_IDLE, HandlerNames.KEEP_ALIVE, keepAliveHandler);
        }

        ConnectedClient connected = client;
        clients.register(connected).ifPresent(previous -> {
            log.info("Client {} connected again from {}: dropping its older connection from {}",
                    connected.clientId(), connected.remoteAddress(), previous.remoteAddress());
            previous.disconnect(MqttReasonCodes.Disconnect.SESSION_TAKEN_OVER,
                    "client id taken over by a newer connection");
        });

        ctx.writeAndFlush(connAck(v5, assigned ? clientId : null, properties));
        log.info("Client {} connected from {} (MQTT {}, keep alive {} s{}{}){}", clientId, ctx.channel().remoteAddress(),
                client.versionName(), keepAlive, assigned ? ", client id assigned" : "",
                header.isCleanSession() ? "" : ", asked for a persistent session: not supported yet, clean session used",
                // No authentication yet: say who claimed to be whom, so that the logs show it.
                header.hasUserName() ? " as user '" + payload.userName() + "' (credentials not checked yet)" : "");
    }

    private MqttConnAckMessage connAck(boolean v5, String assignedClientId, MqttProperties connectProperties) {
        MqttProperties properties = MqttProperties.NO_PROPERTIES;
        if (v5) {
            properties = new MqttProperties();
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.MAXIMUM_QOS, 1));
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.RETAIN_AVAILABLE, 0));
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.RECEIVE_MAXIMUM, settings.maxInFlight()));
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.TOPIC_ALIAS_MAXIMUM, 0));
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.SHARED_SUBSCRIPTION_AVAILABLE, 0));
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.WILDCARD_SUBSCRIPTION_AVAILABLE, 1));
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER_AVAILABLE, 0));
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.MAXIMUM_PACKET_SIZE,
                    settings.maxPacketBytes()));
            if (intProperty(connectProperties, MqttProperties.SESSION_EXPIRY_INTERVAL, 0) != 0) {
                // The client asked for a session that outlives the connection: tell it that it gets none (yet).
                properties.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL, 0));
            }
            if (assignedClientId != null) {
                properties.add(new MqttProperties.StringProperty(MqttProperties.ASSIGNED_CLIENT_IDENTIFIER,
                        assignedClientId));
            }
        }
        return MqttMessageBuilders.connAck()
                .returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED)
                .sessionPresent(false)
                .properties(properties)
                .build();
    }

    private void refuse(ChannelHandlerContext ctx, String reason, String description, MqttConnectReturnCode code) {
        meters.counter(ProtocolVersionGate.CONNECT_REFUSED, "reason", reason).increment();
        log.warn("Refused connection from {}: {}", ctx.channel().remoteAddress(), description);
        ctx.writeAndFlush(MqttMessageBuilders.connAck().returnCode(code).sessionPresent(false).build())
                .addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelConnectTimeout();
        if (client != null) {
            client.inFlight().abandon();
            clients.unregister(client);
            log.info("Client {} disconnected: {}", client,
                    client.closeReason().orElse("connection closed by the client or the network"));
        } else {
            log.debug("Connection from {} closed before CONNECT", ctx.channel().remoteAddress());
        }
        ctx.fireChannelInactive();
    }

    private void cancelConnectTimeout() {
        if (connectTimeout != null) {
            connectTimeout.cancel(false);
            connectTimeout = null;
        }
    }

    private Counter protocolError(String reason) {
        return meters.counter(PROTOCOL_ERRORS, "reason", reason);
    }

    private static int intProperty(MqttProperties properties, int id, int absent) {
        MqttProperties.MqttProperty<?> property = properties.getProperty(id);
        return property != null && property.value() instanceof Integer value ? value : absent;
    }

    /** MQTT 5 3.1.2.11.4: the client's limit on packets it receives; absent means no limit. */
    private static long maximumPacketSize(MqttProperties properties) {
        int value = intProperty(properties, MqttProperties.MAXIMUM_PACKET_SIZE, 0);
        // Four-byte integer: Netty hands it over as a signed int.
        return value == 0 ? Long.MAX_VALUE : Integer.toUnsignedLong(value);
    }
}
