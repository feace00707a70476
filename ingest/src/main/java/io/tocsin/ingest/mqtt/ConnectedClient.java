package io.tocsin.ingest.mqtt;

import io.micrometer.core.instrument.Counter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.AttributeKey;
import io.tocsin.ingest.auth.Identity;

import java.net.SocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A client whose CONNECT was accepted, bound to its channel: who it is, which protocol it speaks, and how to
 * answer or drop it in that protocol.
 *
 * <p>Everything except {@link #disconnect}, {@link #close} and the getters must be called on the channel's
 * event loop. There is no session state beyond the connection: a later issue adds persistent sessions.
 */
public final class ConnectedClient {

    /** The largest Receive Maximum, and the value when the client sets none (MQTT 5 3.1.2.11.3; 3.1.1 clients). */
    public static final int MAX_RECEIVE_MAXIMUM = 65_535;

    private static final AttributeKey<ConnectedClient> KEY = AttributeKey.valueOf(ConnectedClient.class, "client");

    private final Channel channel;
    private final String clientId;
    private final MqttVersion version;
    private final int keepAliveSeconds;
    private final boolean problemInformationWanted;
    private final long maximumPacketSize;
    private final InFlightPublishes inFlight;
    private final Identity identity;
    private volatile LastWill will;
    /** MQTT 5 Receive Maximum of the client's CONNECT: unacknowledged QoS 1 and 2 messages it accepts at once. */
    private volatile int receiveMaximum = MAX_RECEIVE_MAXIMUM;
    private final AtomicReference<String> closeReason = new AtomicReference<>();
    private final AtomicReference<CloseCause> closeCause = new AtomicReference<>();

    /** Why a connection ended, for status events; {@link #CONNECTION_LOST} when nobody said. */
    public enum CloseCause {
        CLEAN_DISCONNECT, KEEPALIVE_TIMEOUT, CONNECTION_LOST, CLOSED_BY_SERVER, TAKEN_OVER
    }
    private int lastPacketId;
    /**
     * QoS 2 packet ids received and not released by PUBREL yet: false while the publish is being processed, true
     * once its PUBREC went out. A PUBLISH resent with such an id is the same message, not processed again.
     */
    private final Map<Integer, Boolean> exactlyOnceReceived = new HashMap<>();
    /** MQTT 5 topic aliases the client set on this connection (at most the maximum announced in the CONNACK). */
    private final Map<Integer, String> topicAliases = new HashMap<>();

    ConnectedClient(Channel channel, String clientId, MqttVersion version, int keepAliveSeconds,
                    boolean problemInformationWanted, long maximumPacketSize, int maxInFlight,
                    Counter readPauses, Identity identity, InFlightMemoryBudget memoryBudget) {
        this.identity = identity;
        this.channel = channel;
        this.clientId = clientId;
        this.version = version;
        this.keepAliveSeconds = keepAliveSeconds;
        this.problemInformationWanted = problemInformationWanted;
        this.maximumPacketSize = maximumPacketSize;
        this.inFlight = new InFlightPublishes(this, maxInFlight, readPauses, memoryBudget);
    }

    /** The client of a channel; only valid after the CONNECT handler accepted it (any later handler may rely on it). */
    public static ConnectedClient of(Channel channel) {
        ConnectedClient client = channel.attr(KEY).get();
        if (client == null) {
            throw new IllegalStateException("no accepted CONNECT on " + channel);
        }
        return client;
    }

    /** The client of a channel, empty before its CONNECT was accepted. */
    public static Optional<ConnectedClient> find(Channel channel) {
        return Optional.ofNullable(channel.attr(KEY).get());
    }

    void attach() {
        channel.attr(KEY).set(this);
    }

    public Channel channel() {
        return channel;
    }

    public String clientId() {
        return clientId;
    }

    public MqttVersion version() {
        return version;
    }

    /** How many QoS 1 and 2 messages the server may have unacknowledged with this client (MQTT 5 Receive Maximum). */
    public int receiveMaximum() {
        return receiveMaximum;
    }

    void receiveMaximum(int receiveMaximum) {
        this.receiveMaximum = Math.max(1, Math.min(MAX_RECEIVE_MAXIMUM, receiveMaximum));
    }

    public boolean isV5() {
        return version == MqttVersion.MQTT_5;
    }

    /** The will to publish when the connection ends abnormally; null when none (or discarded). */
    public LastWill will() {
        return will;
    }

    void will(LastWill will) {
        this.will = will;
    }

    /** A normal DISCONNECT: the will is not published (MQTT 3.1.2.5). */
    void discardWill() {
        this.will = null;
    }

    /** Who the client proved to be, deciding what the topic ACL lets it do. */
    public Identity identity() {
        return identity;
    }

    public int keepAliveSeconds() {
        return keepAliveSeconds;
    }

    /** The largest packet an MQTT 5 client said it accepts; {@link Long#MAX_VALUE} when it set no limit. */
    public long maximumPacketSize() {
        return maximumPacketSize;
    }

    public SocketAddress remoteAddress() {
        return channel.remoteAddress();
    }

    /** The QoS 1 publishes received but not yet acknowledged, and the back pressure they cause. */
    public InFlightPublishes inFlight() {
        return inFlight;
    }

    /** Why the server is closing this connection, if it is the one closing it. */
    public Optional<String> closeReason() {
        return Optional.ofNullable(closeReason.get());
    }

    /**
     * Next packet identifier for a server-to-client QoS 1 or 2 PUBLISH: 1..65535, wrapping, never 0. The caller skips
     * identifiers still in use.
     */
    public int nextPacketId() {
        lastPacketId = lastPacketId == 0xFFFF ? 1 : lastPacketId + 1;
        return lastPacketId;
    }

    /**
     * Drops the connection, telling an MQTT 5 client why with a DISCONNECT first (MQTT 3.1.1 has no server
     * DISCONNECT: the connection is just closed). Safe from any thread.
     */
    public void disconnect(MqttReasonCodes.Disconnect reason, String why) {
        closeReason.compareAndSet(null, why);
        closeCause.compareAndSet(null, switch (reason) {
            case KEEP_ALIVE_TIMEOUT -> CloseCause.KEEPALIVE_TIMEOUT;
            case SESSION_TAKEN_OVER -> CloseCause.TAKEN_OVER;
            default -> CloseCause.CLOSED_BY_SERVER;
        });
        // A client that stopped reading would never let the DISCONNECT through: close at once then.
        if (!isV5() || !channel.isActive() || !channel.isWritable()) {
            channel.close();
            return;
        }
        MqttProperties properties = new MqttProperties();
        // A Reason String is always allowed on DISCONNECT, whatever the client asked (MQTT 5 3.1.2.11.7).
        properties.add(new MqttProperties.StringProperty(MqttProperties.REASON_STRING, why));
        MqttMessage disconnect = MqttMessageBuilders.disconnect()
                .reasonCode(reason.byteValue())
                .properties(properties)
                .build();
        channel.writeAndFlush(disconnect).addListener(ChannelFutureListener.CLOSE);
    }

    /** Closes the connection without a DISCONNECT packet (the only way to refuse something in MQTT 3.1.1). */
    public void close(String why) {
        closeReason.compareAndSet(null, why);
        closeCause.compareAndSet(null, CloseCause.CLOSED_BY_SERVER);
        channel.close();
    }

    /** The client said DISCONNECT: close without publishing its will (unless it asked to, see DisconnectHandler). */
    void closeCleanly(String why) {
        closeCause.compareAndSet(null, CloseCause.CLEAN_DISCONNECT);
        close(why);
    }

    /** The network failed under the connection: close it, as lost rather than closed by the server. */
    public void lost(String why) {
        closeReason.compareAndSet(null, why);
        closeCause.compareAndSet(null, CloseCause.CONNECTION_LOST);
        channel.close();
    }

    public CloseCause closeCause() {
        CloseCause cause = closeCause.get();
        return cause == null ? CloseCause.CONNECTION_LOST : cause;
    }

    /**
     * A PUBACK for this client's protocol. MQTT 3.1.1 has no reason codes: it gets a plain PUBACK whatever the
     * reason. The Reason String is left out when an MQTT 5 client asked for no problem information.
     */
    MqttMessage pubAck(int packetId, MqttReasonCodes.PubAck reason, String reasonString) {
        MqttProperties properties = MqttProperties.NO_PROPERTIES;
        byte code = 0;
        if (isV5()) {
            code = reason.byteValue();
            if (reasonString != null && problemInformationWanted) {
                properties = new MqttProperties();
                properties.add(new MqttProperties.StringProperty(MqttProperties.REASON_STRING, reasonString));
            }
        }
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttPubReplyMessageVariableHeader(packetId, code, properties));
    }

    /**
     * A QoS 2 PUBLISH arrived: true when it is new (process it), false when its id is still awaiting PUBREL (a
     * resend of a message already taken or being taken).
     */
    boolean firstReception(int packetId) {
        return exactlyOnceReceived.putIfAbsent(packetId, false) == null;
    }

    /** Whether the PUBREC of a received QoS 2 packet id already went out. */
    boolean receptionRecorded(int packetId) {
        return Boolean.TRUE.equals(exactlyOnceReceived.get(packetId));
    }

    /** The PUBREC of a QoS 2 publish is being sent with this outcome. */
    void received(int packetId, PubAckOutcome outcome) {
        if (isV5() && (outcome.reasonCode().byteValue() & 0xFF) >= 0x80) {
            // A PUBREC with an error ends the exchange (MQTT 5 4.3.3): the client may reuse the id.
            exactlyOnceReceived.remove(packetId);
        } else {
            exactlyOnceReceived.put(packetId, true);
        }
    }

    /** PUBREL: forget a QoS 2 packet id; false when it was unknown. */
    boolean released(int packetId) {
        return exactlyOnceReceived.remove(packetId) != null;
    }

    String topicAlias(int alias) {
        return topicAliases.get(alias);
    }

    void topicAlias(int alias, String topic) {
        topicAliases.put(alias, topic);
    }

    /** A PUBREC for this client's protocol (same reason codes as PUBACK for everything this server sends). */
    MqttMessage pubRec(int packetId, MqttReasonCodes.PubAck reason, String reasonString) {
        MqttMessage ack = pubAck(packetId, reason, reasonString);
        return new MqttMessage(new MqttFixedHeader(MqttMessageType.PUBREC, false, MqttQoS.AT_MOST_ONCE, false, 0),
                ack.variableHeader());
    }

    @Override
    public String toString() {
        return clientId + " (" + channel.remoteAddress() + ", " + versionName() + ")";
    }

    /** "3.1.1" or "5", as people say it. */
    public String versionName() {
        return isV5() ? "5" : "3.1.1";
    }
}
