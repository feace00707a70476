package io.tocsin.ingest.pubsub;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.tocsin.ingest.mqtt.ConnectedClient;
import io.tocsin.ingest.mqtt.InFlightPublishes;
import io.tocsin.ingest.mqtt.PubAckOutcome;
import io.tocsin.ingest.mqtt.PublishValidationHandler;
import io.tocsin.proto.MqttTopics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;

/**
 * Plain publish/subscribe between clients for every topic that is not telemetry (consoles, sirens, acknowledgement
 * buttons): the message goes to the matching subscribers of this node at once (and, with the RETAIN flag, becomes
 * the topic's retained message) and to the other ingest nodes through the {@link ClientMessageRelay}. A QoS 1
 * PUBLISH is acknowledged (PUBREC for QoS 2) once the relay has it: at once on a single node. When the relay
 * fails, MQTT 5 gets PUBACK 0x80 and MQTT 3.1.1 a closed connection, so the client sends it again (this node's
 * subscribers then get it twice, as QoS 1 allows; a QoS 2 subscriber here too: the price of delivering here without
 * waiting for Kafka). The PUBACK still takes its place in the connection's order behind pending telemetry
 * acknowledgements.
 *
 * <p>The alarm topics belong to the platform: a client publishing there could make a fire station roll out, so
 * such publishes are refused (MQTT 5: PUBACK 0x87 not authorized) and never delivered.
 *
 * <p>MQTT 5 properties meant for the receiver (content type, response topic, correlation data, user properties,
 * payload format, message expiry) are forwarded unchanged, as MQTT 5 3.3.2 requires.
 */
@ChannelHandler.Sharable
public final class RelayPublishHandler extends ChannelInboundHandlerAdapter {

    public static final String RELAYED = "tocsin.ingest.relay.published";
    /** Counter: client messages the other ingest nodes could not be handed (the client was told, if QoS > 0). */
    public static final String NOT_RELAYED = "tocsin.ingest.relay.other_nodes_failed";
    static final String OTHER_NODES_UNREACHABLE = "delivered on this ingest node only: the other nodes could not be "
            + "reached (Kafka); send it again";

    private static final Logger log = LoggerFactory.getLogger(RelayPublishHandler.class);
    private static final int[] FORWARDED_PROPERTIES = {
        MqttProperties.PAYLOAD_FORMAT_INDICATOR,
        MqttProperties.PUBLICATION_EXPIRY_INTERVAL,
        MqttProperties.CONTENT_TYPE,
        MqttProperties.RESPONSE_TOPIC,
        MqttProperties.CORRELATION_DATA,
        MqttProperties.USER_PROPERTY,
    };

    private final SubscriptionRegistry registry;
    private final RetainedMessages retained;
    private final ClientMessageRelay otherNodes;
    private final MeterRegistry meters;

    public RelayPublishHandler(SubscriptionRegistry registry, RetainedMessages retained, MeterRegistry meters) {
        this(registry, retained, ClientMessageRelay.NONE, meters);
    }

    public RelayPublishHandler(SubscriptionRegistry registry, RetainedMessages retained, ClientMessageRelay otherNodes,
                               MeterRegistry meters) {
        this.retained = retained;
        this.registry = registry;
        this.otherNodes = otherNodes;
        this.meters = meters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttPublishMessage publish)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            relay(ctx, publish);
        } finally {
            publish.release();
        }
    }

    private void relay(ChannelHandlerContext ctx, MqttPublishMessage publish) {
        ConnectedClient client = ConnectedClient.of(ctx.channel());
        String topic = publish.variableHeader().topicName();
        MqttQoS qos = publish.fixedHeader().qosLevel();
        InFlightPublishes inFlight = client.inFlight();
        InFlightPublishes.PendingAck ack = qos != MqttQoS.AT_MOST_ONCE
                ? inFlight.expectAck(publish.variableHeader().packetId(), qos) : null;

        if (MqttTopics.isPlatformOnly(topic)) {
            meters.counter(PublishValidationHandler.PUBLISH_REFUSED, "reason", "reserved_topic").increment();
            log.warn("Refused publish from client {} on topic {}: alarm topics are published by the platform only",
                    client, topic);
            if (ack != null) {
                inFlight.settle(ack, PubAckOutcome.refused(MqttReasonCodes.PubAck.NOT_AUTHORIZED,
                        "alarm topics are published by the platform only"));
            }
            return;
        }

        byte[] payload = ByteBufUtil.getBytes(publish.payload());
        Subscriber publisher = Sessions.of(client);
        MqttProperties properties = forwarded(publish.variableHeader().properties());
        boolean retain = publish.fixedHeader().isRetain();
        if (retain) {
            retained.retain(topic, payload, qos, properties);
        }
        int receivers = registry.route(publisher, topic, payload, qos, properties);
        meters.counter(RELAYED).increment();
        log.debug("Client {} published {} bytes on {} (QoS {}) to {} subscribers", client.clientId(), payload.length,
                topic, qos.value(), receivers);
        if (otherNodes == ClientMessageRelay.NONE) {
            if (ack != null) {
                inFlight.settle(ack, PubAckOutcome.accepted());
            }
            return;
        }
        handOnToOtherNodes(ctx.channel().eventLoop(), client, ack, topic, payload, qos, retain, properties);
    }

    /** Gives the message to the relay; the acknowledgement (if any) waits for its answer, on the event loop. */
    private void handOnToOtherNodes(EventLoop loop, ConnectedClient client, InFlightPublishes.PendingAck ack,
                                    String topic, byte[] payload, MqttQoS qos, boolean retain,
                                    MqttProperties properties) {
        CompletableFuture<?> relayed;
        try {
            relayed = otherNodes.relay(topic, payload, qos, retain, properties);
        } catch (RuntimeException e) {
            relayed = CompletableFuture.failedFuture(e);
        }
        relayed.whenComplete((ok, failure) -> {
            if (failure != null) {
                meters.counter(NOT_RELAYED).increment();
                log.warn("Message of client {} on {} reached this node's subscribers only: the other ingest nodes "
                        + "could not be handed it ({})", client, topic, ack == null ? "QoS 0, not resent"
                        : client.isV5() ? "PUBACK 0x80, the client resends"
                        : "closing the connection, the client resends", failure);
            }
            if (ack == null) {
                return;
            }
            try {
                loop.execute(() -> client.inFlight().settle(ack, failure == null ? PubAckOutcome.accepted()
                        : sendAgain(client)));
            } catch (RejectedExecutionException e) {
                log.debug("Relay of client {}'s message completed after the server stopped", client.clientId());
            }
        });
    }

    /** MQTT 5: PUBACK 0x80 with the reason; MQTT 3.1.1 has no negative PUBACK: the connection is closed. */
    private static PubAckOutcome sendAgain(ConnectedClient client) {
        return client.isV5()
                ? PubAckOutcome.refused(MqttReasonCodes.PubAck.UNSPECIFIED_ERROR, OTHER_NODES_UNREACHABLE)
                : PubAckOutcome.closeConnection(OTHER_NODES_UNREACHABLE);
    }

    private static MqttProperties forwarded(MqttProperties received) {
        if (received.isEmpty()) {
            return MqttProperties.NO_PROPERTIES;
        }
        MqttProperties forwarded = new MqttProperties();
        for (int id : FORWARDED_PROPERTIES) {
            for (MqttProperties.MqttProperty<?> property : received.getProperties(id)) {
                forwarded.add(property);
            }
        }
        return forwarded;
    }
}
