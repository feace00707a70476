package io.tocsin.ingest.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPubReplyMessageVariableHeader;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.codec.mqtt.MqttVersion;
import io.netty.util.AttributeKey;
import io.tocsin.ingest.mqtt.InFlightPublishes.PendingAck;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The ack queue and back pressure of one connection, on Netty's EmbeddedChannel. */
class InFlightPublishesTest {

    /** Netty's codec keeps the connection's protocol level in this channel attribute (set on CONNECT). */
    private static final AttributeKey<MqttVersion> CODEC_VERSION = AttributeKey.valueOf("NETTY_CODEC_MQTT_VERSION");

    /** The server's encoder in front, so that what the test reads is what goes on the wire. */
    private final EmbeddedChannel channel = new EmbeddedChannel(MqttEncoder.INSTANCE);
    private final Counter pauses = new SimpleMeterRegistry().counter("pauses");
    private MqttVersion version;

    private ConnectedClient client(MqttVersion version, int maxInFlight) {
        this.version = version;
        channel.attr(CODEC_VERSION).set(version);
        return new ConnectedClient(channel, "gw", version, 30, true, Long.MAX_VALUE, maxInFlight, pauses,
                io.tocsin.ingest.auth.Identity.unrestricted(), null);
    }

    /** The PUBACKs written so far, as a client of the connection's protocol level decodes them. */
    private List<MqttPubReplyMessageVariableHeader> sentAcks() {
        channel.runPendingTasks(); // acks are flushed by a task after the ones already queued
        EmbeddedChannel client = new EmbeddedChannel(new MqttDecoder());
        client.attr(CODEC_VERSION).set(version);
        for (ByteBuf bytes; (bytes = channel.readOutbound()) != null; ) {
            client.writeInbound(bytes);
        }
        List<MqttPubReplyMessageVariableHeader> acks = new ArrayList<>();
        for (MqttMessage mqtt; (mqtt = client.readInbound()) != null; ) {
            assertThat(mqtt.decoderResult().isSuccess()).as(mqtt.decoderResult().toString()).isTrue();
            assertThat(mqtt.fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBACK);
            acks.add((MqttPubReplyMessageVariableHeader) mqtt.variableHeader());
        }
        return acks;
    }

    @Test
    void successfulPubAcksAreTheBytesNettysEncoderWrites() {
        for (MqttVersion level : List.of(MqttVersion.MQTT_3_1_1, MqttVersion.MQTT_5)) {
            for (int packetId : new int[] {1, 255, 256, 0x1234, 65_535}) {
                EmbeddedChannel encoder = new EmbeddedChannel(MqttEncoder.INSTANCE);
                encoder.attr(CODEC_VERSION).set(level);
                encoder.writeOutbound(new MqttMessage(
                        new MqttFixedHeader(MqttMessageType.PUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                        new MqttPubReplyMessageVariableHeader(packetId, (byte) 0, MqttProperties.NO_PROPERTIES)));
                ByteBuf expected = encoder.readOutbound();
                ByteBuf ours = Unpooled.buffer();
                InFlightPublishes.writeSuccessPubAck(ours, packetId);
                assertThat(ByteBufUtil.hexDump(ours)).as("MQTT %s, packet %d", level, packetId)
                        .isEqualTo(ByteBufUtil.hexDump(expected));
                expected.release();
            }
        }
    }

    @Test
    void acksLeaveInReceiveOrderWhateverTheOrderTheyAreDecided() {
        InFlightPublishes inFlight = client(MqttVersion.MQTT_5, 10).inFlight();
        PendingAck first = inFlight.expectAck(1);
        PendingAck second = inFlight.expectAck(2);
        PendingAck third = inFlight.expectAck(3);

        inFlight.settle(third, PubAckOutcome.accepted());
        inFlight.settle(second, PubAckOutcome.refused(MqttReasonCodes.PubAck.PAYLOAD_FORMAT_INVALID, "bad"));
        assertThat(sentAcks()).isEmpty();

        inFlight.settle(first, PubAckOutcome.accepted());
        List<MqttPubReplyMessageVariableHeader> acks = sentAcks();
        assertThat(acks).extracting(MqttPubReplyMessageVariableHeader::messageId).containsExactly(1, 2, 3);
        assertThat(acks).extracting(MqttPubReplyMessageVariableHeader::reasonCode)
                .containsExactly((byte) 0x00, (byte) 0x99, (byte) 0x00);
        assertThat(acks.get(1).properties().getProperty(MqttProperties.REASON_STRING).value()).isEqualTo("bad");
        assertThat(inFlight.pending()).isZero();
    }

    @Test
    void mqtt311GetsPlainAcksForRefusals() {
        InFlightPublishes inFlight = client(MqttVersion.MQTT_3_1_1, 10).inFlight();
        inFlight.settle(inFlight.expectAck(1),
                PubAckOutcome.refused(MqttReasonCodes.PubAck.PAYLOAD_FORMAT_INVALID, "bad"));

        MqttPubReplyMessageVariableHeader ack = sentAcks().get(0);
        assertThat(ack.reasonCode()).isZero();
        assertThat(ack.properties().isEmpty()).isTrue();
    }

    @Test
    void closingOutcomeSendsTheAcksBeforeItThenClosesTheConnection() {
        InFlightPublishes inFlight = client(MqttVersion.MQTT_3_1_1, 10).inFlight();
        PendingAck first = inFlight.expectAck(1);
        PendingAck failed = inFlight.expectAck(2);
        PendingAck third = inFlight.expectAck(3);

        inFlight.settle(third, PubAckOutcome.accepted());
        inFlight.settle(failed, PubAckOutcome.closeConnection("log down"));
        inFlight.settle(first, PubAckOutcome.accepted());

        assertThat(sentAcks()).extracting(MqttPubReplyMessageVariableHeader::messageId).containsExactly(1);
        assertThat(channel.isOpen()).isFalse();
        assertThat(ConnectedClient.find(channel)).isEmpty(); // never attached in this test
    }

    @Test
    void readingPausesAboveTheLimitAndResumesAtHalf() {
        InFlightPublishes inFlight = client(MqttVersion.MQTT_5, 4).inFlight();
        List<PendingAck> acks = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            acks.add(inFlight.expectAck(i));
        }
        assertThat(channel.config().isAutoRead()).isTrue();

        inFlight.unacknowledgedWriteStarted(); // QoS 0 writes count too
        assertThat(inFlight.readingPaused()).isTrue();
        assertThat(channel.config().isAutoRead()).isFalse();
        assertThat(pauses.count()).isEqualTo(1);

        inFlight.settle(acks.get(0), PubAckOutcome.accepted());
        inFlight.settle(acks.get(1), PubAckOutcome.accepted());
        assertThat(channel.config().isAutoRead()).as("3 pending, resumes at 2").isFalse();

        inFlight.unacknowledgedWriteFinished();
        assertThat(inFlight.readingPaused()).isFalse();
        assertThat(channel.config().isAutoRead()).isTrue();
    }

    @Test
    void packetIdsRunFrom1To65535AndWrapWithoutZero() {
        ConnectedClient client = client(MqttVersion.MQTT_5, 10);
        assertThat(client.nextPacketId()).isEqualTo(1);
        for (int i = 2; i < 65_535; i++) {
            client.nextPacketId();
        }
        assertThat(client.nextPacketId()).isEqualTo(65_535);
        assertThat(client.nextPacketId()).isEqualTo(1);
    }
}
