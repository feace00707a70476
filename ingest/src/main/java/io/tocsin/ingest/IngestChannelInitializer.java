package io.tocsin.ingest;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.mqtt.MqttConstant;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.tocsin.ingest.mqtt.ConnectHandler;
import io.tocsin.ingest.mqtt.ConnectedClients;
import io.tocsin.ingest.mqtt.ConnectionErrorHandler;
import io.tocsin.ingest.mqtt.DisconnectHandler;
import io.tocsin.ingest.mqtt.HandlerNames;
import io.tocsin.ingest.mqtt.KeepAliveHandler;
import io.tocsin.ingest.mqtt.MalformedPacketHandler;
import io.tocsin.ingest.mqtt.PingHandler;
import io.tocsin.ingest.mqtt.ProtocolVersionGate;
import io.tocsin.ingest.mqtt.PublishValidationHandler;
import io.tocsin.ingest.mqtt.UnexpectedPacketHandler;
import io.tocsin.ingest.pubsub.DeliveryAckHandler;
import io.tocsin.ingest.pubsub.RelayPublishHandler;
import io.tocsin.ingest.pubsub.SubscribeHandler;
import io.tocsin.ingest.pubsub.SubscriptionRegistry;
import io.tocsin.ingest.telemetry.TelemetryPublishHandler;
import io.tocsin.ingest.telemetry.TelemetryWriter;

/**
 * The pipeline of one MQTT connection. Read top to bottom, it is the protocol's story:
 *
 * <pre>
 * protocolVersionGate  refuse MQTT levels other than 3.1.1 and 5 (then leaves the pipeline)
 * mqttDecoder          bytes to MQTT packets, at most maxPacketBytes
 * (keepAliveIdle,      added after CONNECT when the client has a keep alive:
 *  keepAlive)           close after 1.5 x keep alive without a whole packet
 * mqttEncoder          MQTT packets to bytes (outbound)
 * malformedPackets     an undecodable packet closes the connection
 * connect              CONNECT first and once, CONNACK, client id take-over, connect timeout
 * ping                 PINGREQ -> PINGRESP
 * disconnect           DISCONNECT -> close
 * publishValidation    topic name, QoS and topic alias rules for every PUBLISH
 * telemetry            telemetry topics: validate the batch, write it, PUBACK once written
 * relay                other topics: deliver to subscribers, PUBACK
 * subscribe            SUBSCRIBE / UNSUBSCRIBE
 * deliveryAcks         PUBACKs of subscribers for what the server sent them
 * unexpectedPackets    anything else a client sends is a protocol error
 * connectionErrors     an unhandled exception closes this connection only
 * </pre>
 */
final class IngestChannelInitializer extends ChannelInitializer<SocketChannel> {

    private final IngestConfig config;
    private final ChannelGroup channels;
    private final ConnectedClients clients;
    private final TelemetryWriter telemetryWriter;
    private final SubscriptionRegistry subscriptions;
    private final MeterRegistry meters;
    private final ConnectHandler.Settings connectSettings;

    // Stateless handlers, shared by every connection.
    private final MalformedPacketHandler malformedPackets;
    private final KeepAliveHandler keepAlive;
    private final PingHandler ping = new PingHandler();
    private final DisconnectHandler disconnect = new DisconnectHandler();
    private final PublishValidationHandler publishValidation;
    private final RelayPublishHandler relay;
    private final SubscribeHandler subscribe;
    private final DeliveryAckHandler deliveryAcks = new DeliveryAckHandler();
    private final UnexpectedPacketHandler unexpectedPackets;
    private final ConnectionErrorHandler connectionErrors = new ConnectionErrorHandler();

    IngestChannelInitializer(IngestConfig config, ChannelGroup channels, ConnectedClients clients,
                             TelemetryWriter telemetryWriter, SubscriptionRegistry subscriptions,
                             MeterRegistry meters) {
        this.config = config;
        this.channels = channels;
        this.clients = clients;
        this.telemetryWriter = telemetryWriter;
        this.subscriptions = subscriptions;
        this.meters = meters;
        this.connectSettings = new ConnectHandler.Settings(config.maxPacketBytes(), config.maxInFlightPerConnection(),
                config.connectTimeout());
        this.malformedPackets = new MalformedPacketHandler(meters);
        this.keepAlive = new KeepAliveHandler(meters);
        this.publishValidation = new PublishValidationHandler(meters);
        this.relay = new RelayPublishHandler(subscriptions, meters);
        this.subscribe = new SubscribeHandler(subscriptions, meters);
        this.unexpectedPackets = new UnexpectedPacketHandler(meters);
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        channels.add(channel);
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast(HandlerNames.PROTOCOL_VERSION_GATE, new ProtocolVersionGate(meters));
        // Strict UTF-8: MQTT 1.5.4 requires closing on ill-formed strings and U+0000. The client id length limit
        // only applies to MQTT 3.1, which the gate refuses.
        pipeline.addLast(HandlerNames.DECODER,
                new MqttDecoder(config.maxPacketBytes(), MqttConstant.DEFAULT_MAX_CLIENT_ID_LENGTH, true));
        pipeline.addLast(HandlerNames.ENCODER, MqttEncoder.INSTANCE);
        pipeline.addLast(HandlerNames.MALFORMED_PACKETS, malformedPackets);
        pipeline.addLast(HandlerNames.CONNECT, new ConnectHandler(clients, connectSettings, keepAlive, meters));
        pipeline.addLast(HandlerNames.PING, ping);
        pipeline.addLast(HandlerNames.DISCONNECT, disconnect);
        pipeline.addLast(HandlerNames.PUBLISH_VALIDATION, publishValidation);
        pipeline.addLast(HandlerNames.TELEMETRY, new TelemetryPublishHandler(telemetryWriter, meters));
        pipeline.addLast(HandlerNames.RELAY, relay);
        pipeline.addLast(HandlerNames.SUBSCRIBE, subscribe);
        pipeline.addLast(HandlerNames.DELIVERY_ACKS, deliveryAcks);
        pipeline.addLast(HandlerNames.UNEXPECTED_PACKETS, unexpectedPackets);
        pipeline.addLast(HandlerNames.CONNECTION_ERRORS, connectionErrors);
    }
}
