package io.tocsin.edge.uplink;

import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.TelemetryBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes telemetry batches over MQTT 5 at QoS 1 (Eclipse Paho) to
 * {@code tocsin/v1/telemetry/{site}/{device}} and waits for the PUBACK.
 *
 * <p>A PUBACK with a failure reason code (for example 0x80 when the platform could not store the reading)
 * counts as "not acknowledged": MQTT 5 considers such a message finished, so it is the caller that keeps
 * the batch and publishes it again.
 */
public final class MqttUplink implements MqttChannel {

    /** The MQTT version spoken: 5 (preferred: a PUBACK can refuse with a reason) or 3.1.1. */
    public enum Protocol { MQTT5, MQTT3 }


    private static final Logger log = LoggerFactory.getLogger(MqttUplink.class);

    private final MqttAsyncClient client;
    private final Duration ackTimeout;
    private final Optional<String> statusTopic;
    private final Map<String, Consumer<byte[]>> subscriptions = new ConcurrentHashMap<>();
    private final Reconnector reconnector;

    /** The first reconnect attempt comes 0.5–1 s after a connection loss, then the delay doubles. */
    private static final Duration FIRST_RECONNECT_DELAY = Duration.ofSeconds(1);

    /**
     * How the gateway connects. {@code caCertificate} (PEM, one or more X.509 certificates) turns on server
     * verification for {@code ssl://} URIs; {@code clientKeyStore} (PKCS#12) adds a client certificate.
     *
     * @param statusTopic where "online" is published on connect and the broker publishes the last will
     *                    "offline" when the gateway vanishes without a DISCONNECT; empty for none
     */
    public record Options(Optional<String> username, Optional<char[]> password, Optional<Path> caCertificate,
                          Optional<Path> clientKeyStore, Optional<char[]> clientKeyStorePassword,
                          Optional<String> statusTopic, Duration keepAlive, Duration maxReconnectDelay) {

        public static Options defaults() {
            return new Options(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Duration.ofSeconds(30), Duration.ofSeconds(30));
        }

        public Options withCredentials(String user, char[] secret) {
            return new Options(Optional.of(user), Optional.of(secret), caCertificate, clientKeyStore,
                    clientKeyStorePassword, statusTopic, keepAlive, maxReconnectDelay);
        }

        public Options withTls(Path ca, Optional<Path> keyStore, Optional<char[]> keyStorePassword) {
            return new Options(username, password, Optional.of(ca), keyStore, keyStorePassword, statusTopic,
                    keepAlive, maxReconnectDelay);
        }

        public Options withStatusTopic(String topic) {
            return new Options(username, password, caCertificate, clientKeyStore, clientKeyStorePassword,
                    Optional.of(topic), keepAlive, maxReconnectDelay);
        }
    }

    /** The status topic of a gateway: {@code tocsin/v1/status/{site}/{device}}, payload "online"/"offline". */
    public static String statusTopic(String siteId, String deviceId) {
        // validates the ids as topic levels
        return "tocsin/v1/status/" + MqttTopics.telemetry(siteId, deviceId).substring(MqttTopics.TELEMETRY_PREFIX.length());
    }

    /**
     * Connects to {@code serverUri} (e.g. {@code tcp://127.0.0.1:1883}); after a connection loss the
     * uplink reconnects by itself ({@link Reconnector}: 0.5–1 s, then doubling up to the options' maximum).
     */
    public static MqttUplink connect(String serverUri, String clientId, Duration ackTimeout) throws UplinkException {
        return connect(serverUri, clientId, ackTimeout, Options.defaults());
    }

    /** Connects with MQTT 5 or 3.1.1 as {@code protocol} says (see {@link Mqtt3Uplink} for 3.1.1). */
    public static MqttChannel connect(Protocol protocol, String serverUri, String clientId, Duration ackTimeout,
                                      Options options) throws UplinkException {
        return protocol == Protocol.MQTT3 ? Mqtt3Uplink.connect(serverUri, clientId, ackTimeout, options)
                : connect(serverUri, clientId, ackTimeout, options);
    }

    /** Connects with credentials, TLS and a last will as {@code options} say. */
    public static MqttUplink connect(String serverUri, String clientId, Duration ackTimeout, Options options)
            throws UplinkException {
        try {
            MqttAsyncClient client = new MqttAsyncClient(serverUri, clientId, new MemoryPersistence());
            MqttConnectionOptions connection = new MqttConnectionOptions();
            connection.setCleanStart(true);
            // Our own reconnect (see Reconnector): Paho's shares one back-off among all clients of the JVM and
            // ignores the configured maximum, so gateways came back minutes after the platform.
            connection.setAutomaticReconnect(false);
            PahoConnectSettings settings = PahoConnectSettings.of(options, ackTimeout);
            connection.setKeepAliveInterval(settings.keepAliveSeconds());
            connection.setConnectionTimeout(settings.connectionTimeoutSeconds());
            connection.setSocketFactory(settings.socketFactory());
            // check the broker's name against its certificate (ssl:// only; Paho's default too)
            connection.setHttpsHostnameVerificationEnabled(true);
            options.username().ifPresent(connection::setUserName);
            options.password().ifPresent(p -> connection.setPassword(new String(p).getBytes(StandardCharsets.UTF_8)));
            options.statusTopic().ifPresent(topic -> {
                MqttMessage will = new MqttMessage(PahoConnectSettings.offline());
                will.setQos(1);
                will.setRetained(true);
                connection.setWill(topic, will);
            });
            MqttUplink uplink = new MqttUplink(client, connection, ackTimeout, options);
            client.setCallback(uplink.new Callbacks());
            try {
                client.connect(connection).waitForCompletion(ackTimeout.toMillis());
            } catch (MqttException e) {
                uplink.reconnector.close();
                client.close(true);
                throw e;
            }
            log.info("Uplink {} connected to {} (MQTT 5)", clientId, serverUri);
            uplink.publishOnline();
            return uplink;
        } catch (MqttException | GeneralSecurityException | IOException e) {
            throw new UplinkException("could not connect to " + serverUri + " as " + clientId + ": " + e.getMessage(), e);
        }
    }

    private MqttUplink(MqttAsyncClient client, MqttConnectionOptions connection, Duration ackTimeout,
                       Options options) {
        this.client = client;
        this.ackTimeout = ackTimeout;
        this.statusTopic = options.statusTopic();
        this.reconnector = new Reconnector(client.getClientId(), FIRST_RECONNECT_DELAY, options.maxReconnectDelay(),
                // Paho gives up after the connection timeout; the margin only keeps a stuck token from holding us.
                () -> client.connect(connection).waitForCompletion(ackTimeout.toMillis() + 1_000),
                client::isConnected, this::reconnected);
    }

    /** On the reconnector's thread: say "online" again and restore the subscriptions (clean sessions). */
    private void reconnected() {
        log.info("Uplink {} reconnected to {}", client.getClientId(), client.getCurrentServerURI());
        publishOnline();
        subscriptions.forEach((topic, handler) -> subscribeQuietly(topic));
    }

    /** Failed reconnect attempts since the uplink was opened. */
    public long failedReconnectAttempts() {
        return reconnector.failedAttempts();
    }

    private final class Callbacks implements MqttCallback {
        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            Consumer<byte[]> handler = subscriptions.get(topic);
            if (handler != null) {
                handler.accept(message.getPayload());
            }
        }

        @Override
        public void disconnected(MqttDisconnectResponse response) {
            log.warn("Uplink {} lost its connection: {}", client.getClientId(), response.getReasonString() == null
                    ? String.valueOf(response.getException()) : response.getReasonString());
            reconnector.connectionLost();
        }

        @Override
        public void mqttErrorOccurred(MqttException exception) {
            log.warn("Uplink {}: {}", client.getClientId(), exception.toString());
        }

        @Override
        public void deliveryComplete(IMqttToken token) {
        }

        @Override
        public void authPacketArrived(int reasonCode, MqttProperties properties) {
        }
    }

    @Override
    public void subscribe(String topic, Consumer<byte[]> onMessage) throws UplinkException {
        subscriptions.put(topic, onMessage);
        try {
            client.subscribe(topic, 1).waitForCompletion(ackTimeout.toMillis());
        } catch (MqttException e) {
            throw new UplinkException("could not subscribe to " + topic + ": " + e.getMessage(), e);
        }
    }

    private void subscribeQuietly(String topic) {
        try {
            client.subscribe(topic, 1);
        } catch (MqttException e) {
            log.warn("Uplink {} could not subscribe again to {}: {}", client.getClientId(), topic, e.toString());
        }
    }

    @Override
    public void publish(String topic, byte[] payload, boolean retained) throws UplinkException {
        MqttMessage message = new MqttMessage(payload);
        message.setQos(1);
        message.setRetained(retained);
        try {
            client.publish(topic, message);
        } catch (MqttException e) {
            throw new UplinkException("could not publish on " + topic + ": " + e.getMessage(), e);
        }
    }

    private void publishOnline() {
        if (statusTopic.isEmpty()) {
            return;
        }
        MqttMessage online = new MqttMessage(PahoConnectSettings.online());
        online.setQos(1);
        online.setRetained(true);
        try {
            client.publish(statusTopic.get(), online).waitForCompletion(ackTimeout.toMillis());
        } catch (MqttException e) {
            // A broker without retained messages refuses the flag: the status still goes out, unretained.
            try {
                online.setRetained(false);
                client.publish(statusTopic.get(), online).waitForCompletion(ackTimeout.toMillis());
            } catch (MqttException again) {
                log.warn("Could not publish online status on {}: {}", statusTopic.get(), again.getMessage());
            }
        }
    }

    @Override
    public void send(TelemetryBatch batch) throws UplinkException {
        String topic = MqttTopics.telemetry(batch.getSiteId(), batch.getDeviceId());
        MqttMessage message = new MqttMessage(batch.toByteArray());
        message.setQos(1);
        try {
            IMqttToken token = client.publish(topic, message);
            token.waitForCompletion(ackTimeout.toMillis());
            int[] reasonCodes = token.getReasonCodes();
            if (reasonCodes != null && reasonCodes.length > 0 && reasonCodes[0] >= 0x80) {
                throw new UplinkException("batch " + batch.getSequence() + " refused with reason code 0x"
                        + Integer.toHexString(reasonCodes[0]) + reasonString(token));
            }
        } catch (MqttException e) {
            throw new UplinkException("batch " + batch.getSequence() + " not acknowledged: " + e.getMessage(), e);
        }
    }

    private static String reasonString(IMqttToken token) {
        if (token.getResponseProperties() == null || token.getResponseProperties().getReasonString() == null) {
            return "";
        }
        return " (" + token.getResponseProperties().getReasonString() + ")";
    }

    @Override
    public boolean isConnected() {
        return client.isConnected();
    }

    @Override
    public void close() {
        reconnector.close();
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(ackTimeout.toMillis());
            }
            client.close();
        } catch (MqttException e) {
            log.debug("Uplink {} did not close cleanly", client.getClientId(), e);
        }
    }
}
