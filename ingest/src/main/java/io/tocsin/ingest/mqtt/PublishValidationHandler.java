package io.tocsin.ingest.mqtt;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttPublishVariableHeader;
import io.tocsin.ingest.pubsub.TopicFilter;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules every PUBLISH must follow before anyone looks at its topic or payload. Breaking one is a protocol
 * violation that closes the connection (MQTT 5 says why with a DISCONNECT reason code):
 *
 * <ul>
 *   <li>a topic name must not be empty nor contain '+', '#' or U+0000 (MQTT 4.7.3) - 0x90;</li>
 *   <li>a topic alias (MQTT 5) must be 1..{@value #TOPIC_ALIAS_MAXIMUM} - 0x94, and an empty topic name must use an
 *       alias set before on this connection - 0x82. The alias is resolved here: handlers after this one see the
 *       topic name.</li>
 * </ul>
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
    /** Topic aliases an MQTT 5 client may set per connection (announced in the CONNACK). */
    public static final int TOPIC_ALIAS_MAXIMUM = 16;

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
        MqttProperties.MqttProperty<?> aliasProperty =
                publish.variableHeader().properties().getProperty(MqttProperties.TOPIC_ALIAS);
        if (aliasProperty != null) {
            ConnectedClient client = ConnectedClient.of(ctx.channel());
            int alias = aliasProperty.value() instanceof Integer value ? value : 0;
            if (alias == 0 || alias > TOPIC_ALIAS_MAXIMUM) {
                refuse(ctx, publish, "topic_alias_invalid", MqttReasonCodes.Disconnect.TOPIC_ALIAS_INVALID,
                        "topic alias " + alias + " outside 1.." + TOPIC_ALIAS_MAXIMUM);
                return;
            }
            if (topic == null || topic.isEmpty()) {
                topic = client.topicAlias(alias);
                if (topic == null) {
                    refuse(ctx, publish, "topic_alias_unknown", MqttReasonCodes.Disconnect.PROTOCOL_ERROR,
                            "topic alias " + alias + " used before it was set");
                    return;
                }
            } else if (TopicFilter.isValidTopicName(topic)) {
                client.topicAlias(alias, topic);
            }
            publish = withTopic(publish, topic);
        }
        if (!TopicFilter.isValidTopicName(topic)) {
            refuse(ctx, publish, "invalid_topic_name", MqttReasonCodes.Disconnect.TOPIC_NAME_INVALID,
                    "PUBLISH topic name must be non-empty without wildcards: '" + topic + "'");
        } else {
            ctx.fireChannelRead(publish);
        }
    }

    /** The same PUBLISH with its topic name resolved and the alias property removed (it meant nothing further). */
    private static MqttPublishMessage withTopic(MqttPublishMessage publish, String topic) {
        MqttProperties properties = new MqttProperties();
        for (MqttProperties.MqttProperty<?> property : publish.variableHeader().properties().listAll()) {
            if (property.propertyId() != MqttProperties.TOPIC_ALIAS) {
                properties.add(property);
            }
        }
        return new MqttPublishMessage(publish.fixedHeader(),
                new MqttPublishVariableHeader(topic, publish.variableHeader().packetId(), properties),
                publish.payload());
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
