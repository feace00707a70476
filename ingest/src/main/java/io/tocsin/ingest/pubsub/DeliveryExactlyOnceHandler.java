package io.tocsin.ingest.pubsub;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.tocsin.ingest.mqtt.ConnectedClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * PUBREC and PUBCOMP from a subscriber for a QoS 2 message the server sent it (MQTT 4.3.3, server as sender):
 *
 * <ul>
 *   <li>PUBREC: the client has the message; answer PUBREL (again, if the PUBREC is repeated). An MQTT 5 PUBREC
 *       with a reason code of 0x80 or more ends the exchange without PUBREL and frees its Receive Maximum place.
 *       A PUBREC for a packet identifier no QoS 2 message waits under is answered PUBREL 0x92 "Packet Identifier not
 *       found" (MQTT 5; 3.1.1 has no reason codes and gets a plain PUBREL, which lets the client forget the id).</li>
 *   <li>PUBCOMP: the exchange is over, its Receive Maximum place free. An unknown one is ignored (nothing answers
 *       a PUBCOMP).</li>
 * </ul>
 */
@ChannelHandler.Sharable
public final class DeliveryExactlyOnceHandler extends ChannelInboundHandlerAdapter {

    /** QoS 2 deliveries the client refused with an MQTT 5 PUBREC reason code of 0x80 or more. */
    public static final String REFUSED = "tocsin.ingest.qos2.delivery.refused";
    /** PUBREC or PUBCOMP for a packet identifier the server was not waiting on (tag {@code packet}). */
    public static final String UNKNOWN_PACKET_ID = "tocsin.ingest.qos2.delivery.unknown_packet_id";

    private static final Logger log = LoggerFactory.getLogger(DeliveryExactlyOnceHandler.class);

    private final Counter refused;
    private final Counter unknownPubRec;
    private final Counter unknownPubComp;

    public DeliveryExactlyOnceHandler(MeterRegistry meters) {
        this.refused = meters.counter(REFUSED);
        this.unknownPubRec = meters.counter(UNKNOWN_PACKET_ID, "packet", "pubrec");
        this.unknownPubComp = meters.counter(UNKNOWN_PACKET_ID, "packet", "pubcomp");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttMessage message)) {
            ctx.fireChannelRead(msg);
            return;
        }
        MqttMessageType type = message.fixedHeader().messageType();
        if (type == MqttMessageType.PUBREC) {
            onReceived(ctx, message);
        } else if (type == MqttMessageType.PUBCOMP) {
            onCompleted(ctx, message);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void onReceived(ChannelHandlerContext ctx, MqttMessage pubRec) {
        ConnectedClient client = ConnectedClient.of(ctx.channel());
        int packetId = packetId(pubRec);
        int reason = reasonCode(pubRec);
        boolean failed = client.isV5() && reason >= 0x80;
        Optional<ChannelSubscriber> subscriber = ChannelSubscriber.find(ctx.channel());
        ChannelSubscriber.PubRecOutcome outcome = subscriber.isPresent()
                ? subscriber.get().received(packetId, failed) : ChannelSubscriber.PubRecOutcome.UNKNOWN;
        switch (outcome) {
            case RELEASE -> ctx.writeAndFlush(ChannelSubscriber.pubRel(packetId, 0), ctx.voidPromise());
            case REFUSED -> {
                refused.increment();
                log.info("Client {} refused QoS 2 message {} (PUBREC reason 0x{}): not resent", client, packetId,
                        Integer.toHexString(reason));
            }
            case UNKNOWN -> {
                unknownPubRec.increment();
                log.debug("Client {} sent PUBREC for packet {}, which no QoS 2 message waits under", client,
                        packetId);
                if (!failed) {
                    ctx.writeAndFlush(ChannelSubscriber.pubRel(packetId, client.isV5()
                            ? MqttReasonCodes.PubRel.PACKET_IDENTIFIER_NOT_FOUND.byteValue() & 0xFF : 0),
                            ctx.voidPromise());
                }
            }
        }
    }

    private void onCompleted(ChannelHandlerContext ctx, MqttMessage pubComp) {
        int packetId = packetId(pubComp);
        boolean known = ChannelSubscriber.find(ctx.channel())
                .map(subscriber -> subscriber.completed(packetId)).orElse(false);
        if (!known) {
            unknownPubComp.increment();
            log.debug("Client {} sent PUBCOMP for packet {}, which no QoS 2 message waits under",
                    ConnectedClient.of(ctx.channel()), packetId);
        }
    }

    private static int packetId(MqttMessage reply) {
        return reply.variableHeader() instanceof MqttPubReplyMessageVariableHeader header ? header.messageId()
                : ((MqttMessageIdVariableHeader) reply.variableHeader()).messageId();
    }

    /** The MQTT 5 reason code; 0 (success) when absent, as on every MQTT 3.1.1 ack. */
    private static int reasonCode(MqttMessage reply) {
        return reply.variableHeader() instanceof MqttPubReplyMessageVariableHeader header
                ? header.reasonCode() & 0xFF : 0;
    }
}
