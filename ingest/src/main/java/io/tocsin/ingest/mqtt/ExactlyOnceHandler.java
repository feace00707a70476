package io.tocsin.ingest.mqtt;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * QoS 2 reception (MQTT 4.3.3, "method B": the message is passed on at PUBLISH, its id remembered until PUBREL):
 *
 * <ul>
 *   <li>a new QoS 2 PUBLISH goes on to the telemetry or relay handler, which answers PUBREC (for telemetry only
 *       once Kafka stored it, like the PUBACK of QoS 1);</li>
 *   <li>a PUBLISH resent with an id whose PUBREC already went out is the same message: PUBREC again, nothing
 *       written or delivered twice; while its first copy is still being written it is dropped (the PUBREC
 *       of the first copy answers both);</li>
 *   <li>PUBREL releases the id: PUBCOMP (MQTT 5: 0x92 when the id was unknown).</li>
 * </ul>
 */
@ChannelHandler.Sharable
public final class ExactlyOnceHandler extends ChannelInboundHandlerAdapter {

    public static final String DUPLICATES = "tocsin.ingest.qos2.duplicates";

    private static final Logger log = LoggerFactory.getLogger(ExactlyOnceHandler.class);

    private final MeterRegistry meters;

    public ExactlyOnceHandler(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MqttPublishMessage publish && publish.fixedHeader().qosLevel() == MqttQoS.EXACTLY_ONCE) {
            onPublish(ctx, publish);
        } else if (msg instanceof MqttMessage message && message.fixedHeader().messageType() == MqttMessageType.PUBREL) {
            onRelease(ctx, message);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void onPublish(ChannelHandlerContext ctx, MqttPublishMessage publish) {
        ConnectedClient client = ConnectedClient.of(ctx.channel());
        int packetId = publish.variableHeader().packetId();
        if (client.firstReception(packetId)) {
            ctx.fireChannelRead(publish);
            return;
        }
        publish.release();
        meters.counter(DUPLICATES).increment();
        if (client.receptionRecorded(packetId)) {
            log.debug("Client {} resent QoS 2 packet {}: already taken, PUBREC again", client.clientId(), packetId);
            InFlightPublishes.PendingAck ack = client.inFlight().expectAck(packetId, MqttQoS.EXACTLY_ONCE);
            client.inFlight().settle(ack, PubAckOutcome.accepted());
        } else {
            log.debug("Client {} resent QoS 2 packet {} while its first copy is being written: dropped",
                    client.clientId(), packetId);
        }
    }

    private void onRelease(ChannelHandlerContext ctx, MqttMessage pubRel) {
        ConnectedClient client = ConnectedClient.of(ctx.channel());
        int packetId = pubRel.variableHeader() instanceof MqttMessageIdVariableHeader id ? id.messageId()
                : ((MqttPubReplyMessageVariableHeader) pubRel.variableHeader()).messageId();
        boolean known = client.released(packetId);
        byte reason = known || !client.isV5() ? 0
                : MqttReasonCodes.PubComp.PACKET_IDENTIFIER_NOT_FOUND.byteValue();
        if (!known) {
            log.debug("Client {} released unknown QoS 2 packet {}", client.clientId(), packetId);
        }
        ctx.writeAndFlush(new MqttMessage(
                new MqttFixedHeader(MqttMessageType.PUBCOMP, false, MqttQoS.AT_MOST_ONCE, false, 0),
                new MqttPubReplyMessageVariableHeader(packetId, reason, MqttProperties.NO_PROPERTIES)),
                ctx.voidPromise());
    }
}
