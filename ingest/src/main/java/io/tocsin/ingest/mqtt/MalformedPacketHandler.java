package io.tocsin.ingest.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * Right after the decoder: a packet the decoder could not read closes its connection (MQTT 4.13), after a
 * DISCONNECT saying why for an MQTT 5 client. The decoder discards everything after a bad packet, so there is no
 * way to carry on with that connection anyway; other connections are not affected.
 */
@ChannelHandler.Sharable
public final class MalformedPacketHandler extends ChannelInboundHandlerAdapter {

    public static final String MALFORMED_PACKETS = "tocsin.ingest.packets.malformed";

    private static final Logger log = LoggerFactory.getLogger(MalformedPacketHandler.class);

    private final MeterRegistry meters;
    private final Counter identifierRejected;

    public MalformedPacketHandler(MeterRegistry meters) {
        this.meters = meters;
        this.identifierRejected = meters.counter(ProtocolVersionGate.CONNECT_REFUSED, "reason", "identifier_rejected");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof MqttMessage message && message.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            onMalformed(ctx, message);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private void onMalformed(ChannelHandlerContext ctx, MqttMessage message) {
        Throwable cause = message.decoderResult().cause();
        MqttFixedHeader header = message.fixedHeader();
        MqttMessageType type = header == null ? null : header.messageType();

        if (type == MqttMessageType.CONNECT && cause instanceof MqttIdentifierRejectedException
                && message.variableHeader() instanceof MqttConnectVariableHeader connect) {
            refuseClientIdentifier(ctx, connect, cause);
            return;
        }

        String packet = type == null ? "unknown" : type.name();
        meters.counter(MALFORMED_PACKETS, "packet", packet).increment();
        Optional<ConnectedClient> client = ConnectedClient.find(ctx.channel());
        log.warn("Closing connection from {} (client {}): malformed {} packet: {}", ctx.channel().remoteAddress(),
                client.map(ConnectedClient::clientId).orElse("not connected yet"), packet, describe(cause));
        if (client.isPresent()) {
            client.get().disconnect(reasonFor(type, cause), "malformed " + packet + " packet: " + describe(cause));
        } else {
            ctx.close();
        }
    }

    private static MqttReasonCodes.Disconnect reasonFor(MqttMessageType type, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            return MqttReasonCodes.Disconnect.PACKET_TOO_LARGE;
        }
        // Netty's decoder refuses a PUBLISH topic with wildcards itself; MQTT 5 has a more precise code for it.
        // Matching its message is brittle, but the fallback (0x81) still closes the connection as it must.
        if (type == MqttMessageType.PUBLISH && cause instanceof DecoderException
                && cause.getMessage() != null && cause.getMessage().contains("invalid publish topic name")) {
            return MqttReasonCodes.Disconnect.TOPIC_NAME_INVALID;
        }
        return MqttReasonCodes.Disconnect.MALFORMED_PACKET;
    }

    /** A client id the decoder refused (MQTT 3.1.1 3.1.3-9 / MQTT 5 0x85): answer with CONNACK, then close. */
    private void refuseClientIdentifier(ChannelHandlerContext ctx, MqttConnectVariableHeader connect, Throwable cause) {
        identifierRejected.increment();
        log.warn("Refused connection from {}: client identifier rejected: {}", ctx.channel().remoteAddress(),
                describe(cause));
        MqttConnectReturnCode code = connect.version() == 5
                ? MqttConnectReturnCode.CONNECTION_REFUSED_CLIENT_IDENTIFIER_NOT_VALID
                : MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED;
        ctx.writeAndFlush(MqttMessageBuilders.connAck().returnCode(code).sessionPresent(false).build())
                .addListener(ChannelFutureListener.CLOSE);
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown cause";
        }
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}
