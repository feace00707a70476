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
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.tocsin.proto.MqttTopics;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tocsin.ingest.auth.Authenticator;
import io.tocsin.ingest.auth.Identity;
import io.tocsin.ingest.tls.ClientCertificateHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * <p>Authentication, when a credential registry is configured: a verified TLS client certificate names the
 * client by its CN (no password needed; a user name, if sent, must be the same name); otherwise the user name and
 * password are checked against the registry off the event loop (PBKDF2 is slow on purpose), reading from the
 * socket paused and any packets already decoded held back until the answer. Refusals: MQTT 5 CONNACK 0x86 (bad
 * user name or password) or 0x87 (not authorized), MQTT 3.1.1 0x04 or 0x05, a WARN saying why, counter
 * {@value ProtocolVersionGate#CONNECT_REFUSED}. Without a registry every client is let in.
 *
 * <p>Sessions: a clean start ends the client id's previous session; otherwise it continues (Session Present 1).
 * The session outlives the connection by the MQTT 5 Session Expiry Interval, or for MQTT 3.1.1 Clean Session 0
 * by the server's maximum (also the cap for MQTT 5, announced in the CONNACK when it applies).
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
    private final Authenticator authenticator;
    private final SessionStore sessions;
    private final ConnectionListener listener;
    private ScheduledFuture<?> connectTimeout;
    private ConnectedClient client;
    /** Set while the credentials of the CONNECT are being checked; packets arriving meanwhile wait in held. */
    private boolean authenticating;
    private final List<Object> held = new ArrayList<>();

    /**
     * What the server lets a connection do, as advertised to MQTT 5 clients in the CONNACK.
     *
     * @param maxPacketBytes largest packet the decoder accepts
     * @param maxInFlight    QoS 1 publishes in flight before reading pauses (MQTT 5 Receive Maximum)
     * @param connectTimeout time allowed between opening the connection and its CONNECT
     * @param maxSessionExpiry longest a session may outlive its connection (MQTT 3.1.1 persistent sessions get
     *                         this; MQTT 5 clients asking for more are told this value in the CONNACK)
     * @param maxKeepAliveSeconds longest keep alive an MQTT 5 client may have (0 for no maximum): a client asking
     *                         for more, or for none (0), is told this Server Keep Alive in the CONNACK and held to
     *                         it. MQTT 3.1.1 cannot be told, so its keep alive is taken as asked.
     * @param memoryBudget     the bytes of telemetry all connections may have in flight together; null for none
     */
    public record Settings(int maxPacketBytes, int maxInFlight, Duration connectTimeout, Duration maxSessionExpiry,
                           int maxKeepAliveSeconds, InFlightMemoryBudget memoryBudget) {

        public Settings {
            if (maxKeepAliveSeconds < 0 || maxKeepAliveSeconds > 65_535) {
                throw new IllegalArgumentException("maxKeepAliveSeconds must be 0..65535: " + maxKeepAliveSeconds);
            }
        }
    }

    /**
     * @param sessions      where the clients' sessions live
     * @param authenticator checks credentials; null lets every client in
     */
    public ConnectHandler(ConnectedClients clients, Settings settings, KeepAliveHandler keepAliveHandler,
                          MeterRegistry meters, SessionStore sessions, Authenticator authenticator,
                          ConnectionListener listener) {
        this.listener = listener;
        this.sessions = sessions;
        this.authenticator = authenticator;
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
        if (authenticating) {
            held.add(msg);
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
        if (header.isWillFlag() && isReserved(payload.willTopic())) {
            refuse(ctx, "will_not_authorized", "client " + clientId + " left a will on " + payload.willTopic()
                    + ": telemetry and alarm topics take no wills",
                    v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
                       : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
            return;
        }
        String acceptedClientId = clientId;
        boolean clientIdAssigned = assigned;
        if (authenticator == null) {
            accept(ctx, connect, version, acceptedClientId, clientIdAssigned, Identity.unrestricted());
            return;
        }
        Optional<String> certificateName = ClientCertificateHandler.commonName(ctx.channel());
        if (certificateName.isPresent()) {
            Authenticator.Result result = authenticator.certificateLogin(certificateName.get());
            if (header.hasUserName() && !certificateName.get().equals(payload.userName())) {
                result = new Authenticator.Result(null, Authenticator.Failure.NOT_AUTHORIZED, "user name '"
                        + payload.userName() + "' differs from the client certificate's CN '"
                        + certificateName.get() + "'");
            }
            authenticated(ctx, connect, version, acceptedClientId, clientIdAssigned, result);
            return;
        }
        authenticating = true;
        ctx.channel().config().setAutoRead(false);
        authenticator.login(header.hasUserName() ? payload.userName() : null,
                header.hasPassword() ? payload.passwordInBytes() : null)
                .whenComplete((result, failure) -> ctx.executor().execute(() -> {
                    authenticating = false;
                    if (!ctx.channel().isActive()) {
                        releaseHeld();
                        return;
                    }
                    ctx.channel().config().setAutoRead(true);
                    Authenticator.Result outcome = failure == null ? result : new Authenticator.Result(null,
                            Authenticator.Failure.NOT_AUTHORIZED, "credential check failed: " + failure);
                    authenticated(ctx, connect, version, acceptedClientId, clientIdAssigned, outcome);
                }));
    }

    private void authenticated(ChannelHandlerContext ctx, MqttConnectMessage connect, MqttVersion version,
                               String clientId, boolean assigned, Authenticator.Result result) {
        if (!result.accepted()) {
            releaseHeld();
            boolean v5 = version == MqttVersion.MQTT_5;
            boolean badCredentials = result.failure() == Authenticator.Failure.BAD_CREDENTIALS;
            MqttConnectReturnCode code = badCredentials
                    ? (v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USERNAME_OR_PASSWORD
                          : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD)
                    : (v5 ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED_5
                          : MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED);
            refuse(ctx, badCredentials ? "bad_credentials" : "not_authorized",
                    "client " + clientId + ": " + result.why(), code);
            return;
        }
        accept(ctx, connect, version, clientId, assigned, result.identity());
        // Packets the client sent right behind its CONNECT, in their order.
        List<Object> replay = new ArrayList<>(held);
        held.clear();
        for (Object message : replay) {
            if (ctx.channel().isActive()) {
                channelRead(ctx, message);
            } else {
                ReferenceCountUtil.release(message);
            }
        }
    }

    private void accept(ChannelHandlerContext ctx, MqttConnectMessage connect, MqttVersion version, String clientId,
                        boolean assigned, Identity identity) {
        MqttConnectVariableHeader header = connect.variableHeader();
        MqttConnectPayload payload = connect.payload();
        MqttProperties properties = header.properties();
        boolean v5 = version == MqttVersion.MQTT_5;
        int requestedKeepAlive = header.keepAliveTimeSeconds();
        int maxKeepAlive = settings.maxKeepAliveSeconds();
        boolean serverKeepAlive = v5 && maxKeepAlive > 0 && (requestedKeepAlive == 0 || requestedKeepAlive > maxKeepAlive);
        int keepAlive = serverKeepAlive ? maxKeepAlive : requestedKeepAlive;
        client = new ConnectedClient(ctx.channel(), clientId, version, keepAlive,
                intProperty(properties, MqttProperties.REQUEST_PROBLEM_INFORMATION, 1) != 0,
                maximumPacketSize(properties), settings.maxInFlight(),
                meters.counter(InFlightPublishes.READ_PAUSES), identity, settings.memoryBudget());
        if (v5) {
            client.receiveMaximum(intProperty(properties, MqttProperties.RECEIVE_MAXIMUM,
                    ConnectedClient.MAX_RECEIVE_MAXIMUM));
        }
        client.attach();
        if (header.isWillFlag()) {
            MqttProperties willProperties = payload.willProperties();
            long delay = v5 ? Integer.toUnsignedLong(intProperty(willProperties, MqttProperties.WILL_DELAY_INTERVAL, 0))
                    : 0;
            MqttProperties forwarded = new MqttProperties();
            for (MqttProperties.MqttProperty<?> property : willProperties.listAll()) {
                if (property.propertyId() != MqttProperties.WILL_DELAY_INTERVAL) {
                    forwarded.add(property);
                }
            }
            client.will(new LastWill(payload.willTopic(), payload.willMessageInBytes(),
                    MqttQoS.valueOf(header.willQos()), header.isWillRetain(), forwarded, delay));
        }
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

        long maxExpiry = settings.maxSessionExpiry().toSeconds();
        long requestedExpiry = v5 ? Integer.toUnsignedLong(intProperty(properties,
                MqttProperties.SESSION_EXPIRY_INTERVAL, 0)) : header.isCleanSession() ? 0 : maxExpiry;
        long expiry = Math.min(requestedExpiry, maxExpiry);
        boolean sessionPresent = sessions.open(client, header.isCleanSession(), expiry);
        ctx.writeAndFlush(connAck(v5, assigned ? clientId : null, sessionPresent,
                requestedExpiry > maxExpiry ? expiry : -1, serverKeepAlive ? keepAlive : -1));
        sessions.resume(client);
        listener.online(client);
        log.info("Client {} connected from {} (MQTT {}, keep alive {} s{}, session {}{}) as {}", clientId,
                ctx.channel().remoteAddress(), client.versionName(), keepAlive, assigned ? ", client id assigned" : "",
                expiry == 0 ? "ends with the connection" : "kept " + expiry + " s after it",
                sessionPresent ? ", continued" : "", identity);
    }

    private static boolean isReserved(String topic) {
        return topic != null && (MqttTopics.isPlatformOnly(topic) || MqttTopics.isTelemetry(topic));
    }

    private void releaseHeld() {
        for (Object message : held) {
            ReferenceCountUtil.release(message);
        }
        held.clear();
    }

    /**
     * @param grantedExpiry    the session expiry to tell the client when it differs from its request, else -1
     * @param serverKeepAlive  the keep alive imposed on the client when it differs from its request, else -1
     */
    private MqttConnAckMessage connAck(boolean v5, String assignedClientId, boolean sessionPresent,
                                       long grantedExpiry, int serverKeepAlive) {
        MqttProperties properties = MqttProperties.NO_PROPERTIES;
        if (v5) {
            properties = new MqttProperties();
            // No MAXIMUM_QOS: its absence means QoS 2 is supported (inbound, and subscriptions are granted QoS 2).
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.RETAIN_AVAILABLE, 1));
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.RECEIVE_MAXIMUM, settings.maxInFlight()));
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.TOPIC_ALIAS_MAXIMUM,
                    PublishValidationHandler.TOPIC_ALIAS_MAXIMUM));
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.SHARED_SUBSCRIPTION_AVAILABLE, 1));
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.WILDCARD_SUBSCRIPTION_AVAILABLE, 1));
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.SUBSCRIPTION_IDENTIFIER_AVAILABLE, 0));
            properties.add(new MqttProperties.IntegerProperty(MqttProperties.MAXIMUM_PACKET_SIZE,
                    settings.maxPacketBytes()));
            if (grantedExpiry >= 0) {
                properties.add(new MqttProperties.IntegerProperty(MqttProperties.SESSION_EXPIRY_INTERVAL,
                        (int) grantedExpiry));
            }
            if (serverKeepAlive >= 0) {
                properties.add(new MqttProperties.IntegerProperty(MqttProperties.SERVER_KEEP_ALIVE, serverKeepAlive));
            }
            if (assignedClientId != null) {
                properties.add(new MqttProperties.StringProperty(MqttProperties.ASSIGNED_CLIENT_IDENTIFIER,
                        assignedClientId));
            }
        }
        return MqttMessageBuilders.connAck()
                .returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED)
                .sessionPresent(sessionPresent)
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
        releaseHeld();
        if (client != null) {
            client.inFlight().abandon();
            clients.unregister(client);
            boolean willPending = client.will() != null;
            sessions.closed(client);
            listener.offline(client, client.closeCause(), willPending);
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
