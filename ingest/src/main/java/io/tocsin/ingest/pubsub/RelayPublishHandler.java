package io.tocsin.ingest.pubsub;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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

/**
 * Plain publish/subscribe between clients for every topic that is not telemetry (consoles, sirens, acknowledgement
 * buttons): the message goes to the matching subscribers (and, with the RETAIN flag, becomes the topic's retained
 * message) and a QoS 1 PUBLISH is acknowledged at once (PUBREC for QoS 2). The PUBACK still takes its place in the
 * connection's order behind pending telemetry acknowledgements.
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
    private final MeterRegistry meters;

    public RelayPublishHandler(SubscriptionRegistry registry, RetainedMessages retained, MeterRegistry meters) {
        this.retained = retained;
        this.registry = registry;
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
        if (publish.fixedHeader().isRetain()) {
            retained.retain(topic, payload, qos, properties);
        }
        int receivers = registry.route(publisher, topic, payload, qos, properties);
        meters.counter(RELAYED).increment();
        log.debug("Client {} published {} bytes on {} (QoS {}) to {} subscribers", client.clientId(), payload.length,
                topic, qos.value(), receivers);
        if (ack != null) {
            inFlight.settle(ack, PubAckOutcome.accepted());
        }
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
