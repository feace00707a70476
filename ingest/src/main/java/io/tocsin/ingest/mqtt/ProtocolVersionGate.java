package io.tocsin.ingest.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * First in the pipeline: looks at the protocol name and level of the CONNECT before the MQTT decoder does, and
 * refuses protocol levels other than 4 (MQTT 3.1.1) and 5 with the CONNACK that client can read. Then it steps
 * out of the pipeline, handing every byte it saw to the decoder.
 *
 * <p>Why not leave it to the decoder: Netty's decoder reports an unknown level and a wrong protocol name with the
 * same exception, but the first deserves a CONNACK "unacceptable protocol version" and the second is a malformed
 * packet. It also decodes MQTT 3.1 ("MQIsdp", level 3), which this server does not speak.
 *
 * <ul>
 *   <li>level 3 (MQTT 3.1) or any other level below 5: 3.1.1-style CONNACK 0x01 (unacceptable protocol version);</li>
 *   <li>a level above 5 with name "MQTT": MQTT 5-style CONNACK 0x84 (unsupported protocol version), the answer
 *       MQTT 5 3.1.2.2 gives a client newer than the server;</li>
 *   <li>an unknown protocol name, or anything that is not a CONNECT: passed on untouched, the decoder and the
 *       CONNECT handler close such connections.</li>
 * </ul>
 */
public final class ProtocolVersionGate extends ByteToMessageDecoder {

    public static final String CONNECT_REFUSED = "tocsin.ingest.connect.refused";

    private static final Logger log = LoggerFactory.getLogger(ProtocolVersionGate.class);

    private static final int CONNECT_PACKET_TYPE = 0x10;
    private static final int MAX_REMAINING_LENGTH_BYTES = 4;
    /** "MQIsdp"; a longer name cannot be a known protocol. */
    private static final int LONGEST_KNOWN_NAME = 6;
    private static final int LEVEL_MQTT_3_1_1 = 4;
    private static final int LEVEL_MQTT_5 = 5;

    private final Counter refused;
    private boolean refusing;

    public ProtocolVersionGate(MeterRegistry meters) {
        this.refused = meters.counter(CONNECT_REFUSED, "reason", "unsupported_protocol_version");
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (refusing) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int start = in.readerIndex();
        int end = in.writerIndex();
        if (start == end) {
            return;
        }
        if ((in.getUnsignedByte(start) & 0xF0) != CONNECT_PACKET_TYPE) {
            stepAside(ctx);
            return;
        }
        // Skip the remaining length (1 to 4 bytes, high bit = more follow).
        int position = start + 1;
        for (int lengthBytes = 1; ; lengthBytes++) {
            if (position >= end) {
                return;
            }
            int digit = in.getUnsignedByte(position++);
            if ((digit & 0x80) == 0) {
                break;
            }
            if (lengthBytes == MAX_REMAINING_LENGTH_BYTES) {
                stepAside(ctx);
                return;
            }
        }
        if (position + 2 > end) {
            return;
        }
        int nameLength = in.getUnsignedShort(position);
        position += 2;
        if (nameLength > LONGEST_KNOWN_NAME) {
            stepAside(ctx);
            return;
        }
        if (position + nameLength + 1 > end) {
            return;
        }
        String name = in.toString(position, nameLength, StandardCharsets.UTF_8);
        int level = in.getUnsignedByte(position + nameLength);
        boolean knownName = "MQTT".equals(name) || "MQIsdp".equals(name);
        if (!knownName || level == LEVEL_MQTT_3_1_1 || level == LEVEL_MQTT_5) {
            stepAside(ctx);
            return;
        }
        refuse(ctx, in, name, level);
    }

    private void stepAside(ChannelHandlerContext ctx) {
        // ByteToMessageDecoder forwards the unread bytes to the next handler when it is removed.
        ctx.pipeline().remove(this);
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf in, String name, int level) {
        refusing = true;
        in.skipBytes(in.readableBytes());
        refused.increment();
        log.warn("Refused connection from {}: unsupported MQTT protocol {} level {} (this server speaks 3.1.1 and 5)",
                ctx.channel().remoteAddress(), name, level);
        // Written as bytes: the encoder would need to know a protocol version this connection never agreed on.
        ByteBuf connAck = level > LEVEL_MQTT_5 && "MQTT".equals(name)
                // CONNACK, remaining length 3, no session present, 0x84, no properties
                ? Unpooled.wrappedBuffer(new byte[] {0x20, 0x03, 0x00, (byte) 0x84, 0x00})
                // CONNACK, remaining length 2, no session present, 0x01
                : Unpooled.wrappedBuffer(new byte[] {0x20, 0x02, 0x00, 0x01});
        ctx.writeAndFlush(connAck).addListener(ChannelFutureListener.CLOSE);
    }
}
