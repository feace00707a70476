package io.tocsin.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.mqtt.MqttConstant;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.ssl.SslContext;
import io.tocsin.ingest.auth.Authenticator;
import io.tocsin.ingest.mqtt.ConnectHandler;
import io.tocsin.ingest.mqtt.ConnectionListener;
import io.tocsin.ingest.tls.ClientCertificateHandler;
import io.tocsin.ingest.mqtt.ConnectedClients;
import io.tocsin.ingest.mqtt.ConnectionErrorHandler;
import io.tocsin.ingest.mqtt.DisconnectHandler;
import io.tocsin.ingest.mqtt.ExactlyOnceHandler;
import io.tocsin.ingest.mqtt.HandlerNames;
import io.tocsin.ingest.mqtt.KeepAliveHandler;
import io.tocsin.ingest.mqtt.MalformedPacketHandler;
import io.tocsin.ingest.mqtt.PingHandler;
import io.tocsin.ingest.mqtt.InFlightMemoryBudget;
import io.tocsin.ingest.mqtt.ProtocolVersionGate;
import io.tocsin.ingest.mqtt.TokenBucket;
import io.tocsin.ingest.mqtt.PublishRateLimitHandler;
import io.tocsin.ingest.mqtt.PublishValidationHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.tocsin.ingest.mqtt.UnexpectedPacketHandler;
import io.tocsin.ingest.pubsub.DeliveryAckHandler;
import io.tocsin.ingest.pubsub.DeliveryExactlyOnceHandler;
import io.tocsin.ingest.pubsub.ClientMessageRelay;
import io.tocsin.ingest.pubsub.RelayPublishHandler;
import io.tocsin.ingest.pubsub.SubscribeHandler;
import io.tocsin.ingest.pubsub.RetainedMessages;
import io.tocsin.ingest.pubsub.Sessions;
import io.tocsin.ingest.pubsub.SubscriptionRegistry;
import io.tocsin.ingest.telemetry.TelemetryPublishHandler;
import io.tocsin.ingest.telemetry.TelemetryWriter;

/**
 * The pipeline of one MQTT connection. Read top to bottom, it is the protocol's story:
 *
 * <pre>
 * (rate limit)         above the connection rate limit a new connection is closed at once
 * (tls,                on the TLS listener only: decrypts, and
 *  clientCertificate)   remembers the CN of a verified client certificate
 * protocolVersionGate  refuse MQTT levels other than 3.1.1 and 5 (then leaves the pipeline)
 * mqttDecoder          bytes to MQTT packets, at most maxPacketBytes
 * (keepAliveIdle,      added after CONNECT when the client has a keep alive:
 *  keepAlive)           close after 1.5 x keep alive without a whole packet
 * mqttEncoder          MQTT packets to bytes (outbound)
 * malformedPackets     an undecodable packet closes the connection
 * connect              CONNECT first and once, authentication, CONNACK, client id take-over, connect timeout
 * ping                 PINGREQ -> PINGRESP
 * disconnect           DISCONNECT -> close
 * publishValidation    topic name and topic alias rules for every PUBLISH
 * exactlyOnce          QoS 2: a resent PUBLISH is not taken twice; PUBREL -> PUBCOMP
 * (publishRateLimit)   when configured: above the client's publish rate, DISCONNECT 0x96 (3.1.1: close)
 * telemetry            telemetry topics: ACL, validate the batch, write it, PUBACK once written
 * relay                other topics: deliver to subscribers, hand to the other nodes, PUBACK
 * subscribe            SUBSCRIBE / UNSUBSCRIBE, with the topic ACL
 * deliveryAcks         PUBACKs of subscribers for what the server sent them (QoS 1)
 * deliveryExactlyOnce  PUBREC -> PUBREL, PUBCOMP of subscribers for what the server sent them (QoS 2)
 * unexpectedPackets    anything else a client sends is a protocol error
 * connectionErrors     an unhandled exception closes this connection only
 * </pre>
 */
final class IngestChannelInitializer extends ChannelInitializer<SocketChannel> {

    private static final Logger log = LoggerFactory.getLogger(IngestChannelInitializer.class);

    private final IngestConfig config;
    private final ChannelGroup channels;
    private final ConnectedClients clients;
    private final TelemetryWriter telemetryWriter;
    private final SubscriptionRegistry subscriptions;
    private final MeterRegistry meters;
    private final ConnectHandler.Settings connectSettings;
    private final Authenticator authenticator;
    private final Sessions sessions;
    private final ConnectionListener connectionListener;
    private final PublishLimits publishLimits;
    private final InFlightMemoryBudget memoryBudget;
    private final Counter publishRateRefused;
    private final SslContext sslContext;
    private final ClientCertificateHandler clientCertificate;

    // Stateless handlers, shared by every connection.
    private final MalformedPacketHandler malformedPackets;
    private final KeepAliveHandler keepAlive;
    private final PingHandler ping = new PingHandler();
    private final DisconnectHandler disconnect = new DisconnectHandler();
    private final PublishValidationHandler publishValidation;
    private final ExactlyOnceHandler exactlyOnce;
    private final RelayPublishHandler relay;
    private final SubscribeHandler subscribe;
    private final DeliveryAckHandler deliveryAcks = new DeliveryAckHandler();
    private final DeliveryExactlyOnceHandler deliveryExactlyOnce;
    private final UnexpectedPacketHandler unexpectedPackets;
    private final ConnectionErrorHandler connectionErrors = new ConnectionErrorHandler();

    IngestChannelInitializer(IngestConfig config, ChannelGroup channels, ConnectedClients clients,
                             TelemetryWriter telemetryWriter, SubscriptionRegistry subscriptions,
                             MeterRegistry meters, Authenticator authenticator, SslContext sslContext,
                             Sessions sessions, SessionLimits sessionLimits, RetainedMessages retained,
                             ConnectionListener connectionListener, PublishLimits publishLimits, InFlightMemoryBudget memoryBudget,
                             ClientMessageRelay otherNodes) {
        this.connectionListener = connectionListener;
        this.publishLimits = publishLimits;
        this.memoryBudget = memoryBudget;
        this.publishRateRefused = meters.counter(PublishValidationHandler.PUBLISH_REFUSED, "reason",
                PublishRateLimitHandler.REASON_TAG);
        this.sessions = sessions;
        this.authenticator = authenticator;
        this.sslContext = sslContext;
        this.clientCertificate = new ClientCertificateHandler(meters);
        this.config = config;
        this.channels = channels;
        this.clients = clients;
        this.telemetryWriter = telemetryWriter;
        this.subscriptions = subscriptions;
        this.meters = meters;
        this.connectSettings = new ConnectHandler.Settings(config.maxPacketBytes(), config.maxInFlightPerConnection(),
                config.connectTimeout(), sessionLimits.maxExpiry(), publishLimits.maxKeepAliveSeconds(), memoryBudget);
        this.malformedPackets = new MalformedPacketHandler(meters);
        this.keepAlive = new KeepAliveHandler(meters);
        this.publishValidation = new PublishValidationHandler(meters);
        this.exactlyOnce = new ExactlyOnceHandler(meters);
        this.relay = new RelayPublishHandler(subscriptions, retained, otherNodes, meters);
        this.subscribe = new SubscribeHandler(subscriptions, retained, meters);
        this.unexpectedPackets = new UnexpectedPacketHandler(meters);
        this.deliveryExactlyOnce = new DeliveryExactlyOnceHandler(meters);
    }

    @Override
    protected void initChannel(SocketChannel channel) {
        channels.add(channel);
        ChannelPipeline pipeline = channel.pipeline();
        if (sslContext != null) {
            pipeline.addLast(HandlerNames.TLS, sslContext.newHandler(channel.alloc()));
            pipeline.addLast(HandlerNames.CLIENT_CERTIFICATE, clientCertificate);
        }
        pipeline.addLast(HandlerNames.PROTOCOL_VERSION_GATE, new ProtocolVersionGate(meters));
        // Strict UTF-8: MQTT 1.5.4 requires closing on ill-formed strings and U+0000. The client id length limit
        // only applies to MQTT 3.1, which the gate refuses.
        pipeline.addLast(HandlerNames.DECODER,
                new MqttDecoder(config.maxPacketBytes(), MqttConstant.DEFAULT_MAX_CLIENT_ID_LENGTH, true));
        pipeline.addLast(HandlerNames.ENCODER, MqttEncoder.INSTANCE);
        pipeline.addLast(HandlerNames.MALFORMED_PACKETS, malformedPackets);
        pipeline.addLast(HandlerNames.CONNECT, new ConnectHandler(clients, connectSettings, keepAlive, meters,
                sessions, authenticator, connectionListener));
        pipeline.addLast(HandlerNames.PING, ping);
        pipeline.addLast(HandlerNames.DISCONNECT, disconnect);
        pipeline.addLast(HandlerNames.PUBLISH_VALIDATION, publishValidation);
        pipeline.addLast(HandlerNames.EXACTLY_ONCE, exactlyOnce);
        if (publishLimits.publishesPerSecond() > 0) {
            pipeline.addLast(HandlerNames.PUBLISH_RATE_LIMIT, new PublishRateLimitHandler(
                    new TokenBucket(publishLimits.publishesPerSecond(), publishLimits.publishBurst(),
                            System::nanoTime),
                    publishLimits.publishesPerSecond(), publishLimits.publishBurst(), publishRateRefused));
        }
        pipeline.addLast(HandlerNames.TELEMETRY, new TelemetryPublishHandler(telemetryWriter, meters, memoryBudget));
        pipeline.addLast(HandlerNames.RELAY, relay);
        pipeline.addLast(HandlerNames.SUBSCRIBE, subscribe);
        pipeline.addLast(HandlerNames.DELIVERY_ACKS, deliveryAcks);
        pipeline.addLast(HandlerNames.DELIVERY_EXACTLY_ONCE, deliveryExactlyOnce);
        pipeline.addLast(HandlerNames.UNEXPECTED_PACKETS, unexpectedPackets);
        pipeline.addLast(HandlerNames.CONNECTION_ERRORS, connectionErrors);
    }
}
