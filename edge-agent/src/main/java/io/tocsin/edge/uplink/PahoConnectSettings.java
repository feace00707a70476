package io.tocsin.edge.uplink;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import javax.net.SocketFactory;

/**
 * What the MQTT 5 and the MQTT 3.1.1 uplink put alike into their Paho connect options, worked out once from
 * {@link MqttUplink.Options}. Each uplink copies these onto its own options type: Paho's two
 * ({@code MqttConnectionOptions}, {@code MqttConnectOptions}) share no interface, and what differs by version
 * (clean start or session, password as bytes or chars, the will as a message or as fields, reconnect) stays
 * written out in each uplink.
 *
 * @param socketFactory            TLS (server verified against the options' CA, optional client certificate)
 *                                 when a CA certificate is given, else plain; both with TCP_NODELAY
 * @param keepAliveSeconds         the options' keep-alive
 * @param connectionTimeoutSeconds the acknowledgement timeout, at least 1 s (0 would mean "wait for ever")
 */
record PahoConnectSettings(SocketFactory socketFactory, int keepAliveSeconds, int connectionTimeoutSeconds) {

    static PahoConnectSettings of(MqttUplink.Options options, Duration ackTimeout)
            throws GeneralSecurityException, IOException {
        SocketFactory sockets = options.caCertificate().isPresent()
                ? NoDelaySockets.tls(TlsContexts.socketFactory(
                        options.caCertificate().get(), options.clientKeyStore(), options.clientKeyStorePassword()))
                : NoDelaySockets.plain();
        return new PahoConnectSettings(sockets, (int) options.keepAlive().toSeconds(),
                (int) Math.max(1, ackTimeout.toSeconds()));
    }

    /** The retained payload on the status topic while connected. */
    static byte[] online() {
        return "online".getBytes(StandardCharsets.UTF_8);
    }

    /** The last will: the retained payload the broker puts on the status topic when the gateway vanishes. */
    static byte[] offline() {
        return "offline".getBytes(StandardCharsets.UTF_8);
    }
}
