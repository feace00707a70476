package io.tocsin.ingest.mqtt;

import io.micrometer.core.instrument.Counter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the connection of a client that publishes above its rate ({@link TokenBucket}), telemetry or not.
 *
 * <p>MQTT 5 defines reason 0x96 "Message rate too high" for DISCONNECT only: a PUBACK with 0x96 is not allowed
 * (3.4.2.1), and clients such as Paho treat it as a protocol error. So the refused PUBLISH gets no acknowledgement
 * and the server sends DISCONNECT 0x96 with a Reason String; MQTT 3.1.1, which has no DISCONNECT from the server,
 * gets its connection closed. Either way the acknowledgements decided before the refused PUBLISH still go out
 * first, nothing after it is taken, and the device resends what was not acknowledged after its reconnect back-off
 * (itself slowed by the connection rate limit). No reading is lost: an unacknowledged one stays on the device.
 * QoS 0 publishes count too: a firmware stuck in a loop typically floods at QoS 0.
 *
 * <p>Each refused connection counts once in {@value PublishValidationHandler#PUBLISH_REFUSED} with reason
 * {@value #REASON_TAG} and one WARN; the PUBLISHes that were already on the wire behind it are dropped unread.
 *
 * <p>Placed after exactlyOnce: a resent QoS 2 PUBLISH that was already taken is answered there, not counted here.
 * One instance per connection.
 */
public final class PublishRateLimitHandler extends ChannelInboundHandlerAdapter {

    public static final String REASON_TAG = "rate_limited";
    static final String REASON_STRING = "message rate too high: reconnect later and resend what was not acknowledged";

    private static final Logger log = LoggerFactory.getLogger(PublishRateLimitHandler.class);

    private final TokenBucket limit;
    private final double perSecond;
    private final int burst;
    private final Counter refused;
    private boolean closing;

    public PublishRateLimitHandler(TokenBucket limit, double perSecond, int burst, Counter refused) {
        this.limit = limit;
        this.perSecond = perSecond;
        this.burst = burst;
        this.refused = refused;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttPublishMessage publish)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (!closing && limit.tryAcquire()) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (!closing) {
                closing = true;
                refuse(ConnectedClient.of(ctx.channel()), publish);
            }
        } finally {
            publish.release();
        }
    }

    private void refuse(ConnectedClient client, MqttPublishMessage publish) {
        refused.increment();
        log.warn("Client {} publishes faster than its limit of {}/s (burst {}): refused its PUBLISH on {} and closing "
                        + "the connection ({}) once the acks before it are out; it resends after reconnecting",
                client, perSecond, burst, publish.variableHeader().topicName(),
                client.isV5() ? "DISCONNECT 0x96 message rate too high" : "MQTT 3.1.1: plain close");
        client.inFlight().closeAfterPendingAcks(MqttReasonCodes.Disconnect.MESSAGE_RATE_TOO_HIGH, REASON_STRING);
    }
}
