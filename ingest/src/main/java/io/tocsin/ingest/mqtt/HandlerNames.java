package io.tocsin.ingest.mqtt;

/** Names of the handlers in a connection's pipeline, for handlers that add others next to them. */
public final class HandlerNames {

    public static final String TLS = "tls";
    public static final String CLIENT_CERTIFICATE = "clientCertificate";
    public static final String PROTOCOL_VERSION_GATE = "protocolVersionGate";
    public static final String DECODER = "mqttDecoder";
    public static final String ENCODER = "mqttEncoder";
    public static final String KEEP_ALIVE_IDLE = "keepAliveIdle";
    public static final String KEEP_ALIVE = "keepAlive";
    public static final String MALFORMED_PACKETS = "malformedPackets";
    public static final String CONNECT = "connect";
    public static final String PING = "ping";
    public static final String DISCONNECT = "disconnect";
    public static final String PUBLISH_VALIDATION = "publishValidation";
    public static final String EXACTLY_ONCE = "exactlyOnce";
    public static final String PUBLISH_RATE_LIMIT = "publishRateLimit";
    public static final String TELEMETRY = "telemetry";
    public static final String RELAY = "relay";
    public static final String SUBSCRIBE = "subscribe";
    public static final String DELIVERY_ACKS = "deliveryAcks";
    public static final String DELIVERY_EXACTLY_ONCE = "deliveryExactlyOnce";
    public static final String UNEXPECTED_PACKETS = "unexpectedPackets";
    public static final String CONNECTION_ERRORS = "connectionErrors";

    private HandlerNames() {
    }
}
