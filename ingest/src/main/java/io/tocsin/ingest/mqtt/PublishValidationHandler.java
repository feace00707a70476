package io.tocsin.ingest.mqtt;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules every PUBLISH must follow before anyone looks at its topic or payload. Breaking one is a protocol
 * violation that closes the connection (MQTT 5 says why with a DISCONNECT reason code):
 *
 * <ul>
 *   <li>a topic name must not be empty nor contain '+', '#' or U+0000 (MQTT 4.7.3) - 0x90;</li>
 *   <li>QoS 2 is not supported yet (the CONNACK advertises Maximum QoS 1) - 0x9B;</li>
 *   <li>topic aliases are not supported (Topic Alias Maximum 0) - 0x94.</li>
 * </ul>
 *
 * <p>The retain flag is accepted and ignored: retained messages are not supported yet and nothing is retained.
 * (MQTT 5 would allow closing with 0x9A; dropping a device's telemetry over a flag is not worth it.)
 *
 * <p>Netty's decoder already refuses wildcard topic names, as a malformed packet (see
 * {@link MalformedPacketHandler}); the check here keeps the rule in one readable place whatever the decoder does.
 */
@ChannelHandler.Sharable
public final class PublishValidationHandler extends ChannelInboundHandlerAdapter {

    /**
     * Publishes refused while the connection stays open (tag {@code reason}); counted by the handlers that decide
     * on a topic's content (telemetry, relay).
     */
    public static final String PUBLISH_REFUSED = "tocsin.ingest.publish.refused";

    private static final Logger log = LoggerFactory.getLogger(PublishValidationHandler.class);

    private final MeterRegistry meters;

    public PublishValidationHandler(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttPublishMessage publish)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String topic = publish.variableHeader().topicName();
        if (topic == null || topic.isEmpty() || topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0
                || topic.indexOf('\u0000') >= 0) {
            refuse(ctx, publish, "invalid_topic_name", MqttReasonCodes.Disconnect.TOPIC_NAME_INVALID,
                    "PUBLISH topic name must be non-empty without wildcards: '" + topic + "'");
        } else if (publish.fixedHeader().qosLevel() == MqttQoS.EXACTLY_ONCE) {
            refuse(ctx, publish, "qos_not_supported", MqttReasonCodes.Disconnect.QOS_NOT_SUPPORTED,
                    "QoS 2 is not supported (maximum QoS 1), topic " + topic);
        } else if (publish.variableHeader().properties().getProperty(MqttProperties.TOPIC_ALIAS) != null) {
            refuse(ctx, publish, "topic_alias_not_supported", MqttReasonCodes.Disconnect.TOPIC_ALIAS_INVALID,
                    "topic aliases are not supported (topic alias maximum 0), topic " + topic);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void refuse(ChannelHandlerContext ctx, MqttPublishMessage publish, String reason,
                        MqttReasonCodes.Disconnect code, String description) {
        publish.release();
        meters.counter(ConnectHandler.PROTOCOL_ERRORS, "reason", reason).increment();
        ConnectedClient client = ConnectedClient.of(ctx.channel());
        log.warn("Closing connection of client {}: {}", client, description);
        client.disconnect(code, description);
    }
}
