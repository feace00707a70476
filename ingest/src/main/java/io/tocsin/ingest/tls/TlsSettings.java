package io.tocsin.ingest.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The MQTT over TLS listener (conventionally port 8883).
 *
 * @param port               TCP port; 0 picks a free one (see {@code IngestServer.tlsPort()})
 * @param sslContext         the server side TLS context (JDK provider)
 * @param clientCertificates whether clients may log in with a certificate (mutual TLS): the certificate's CN is
 *                           then the registry name, and no password is needed
 */
public record TlsSettings(int port, SslContext sslContext, boolean clientCertificates) {

    public TlsSettings {
        Objects.requireNonNull(sslContext, "sslContext");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("TLS port must be 0..65535: " + port);
        }
        if (!sslContext.isServer()) {
            throw new IllegalArgumentException("sslContext must be a server context");
        }
    }

    /**
     * A listener from PEM files, as an operator has them.
     *
     * @param certificateChain server certificate (and intermediates), PEM
     * @param privateKey       the server's private key, PEM PKCS#8 ("BEGIN PRIVATE KEY")
     * @param clientCa         CA whose client certificates are accepted (mutual TLS), or null for server-only TLS
     * @param requireClientCertificate with a client CA: refuse the TLS handshake of clients without a certificate
     *                                 (otherwise they may still log in with a password)
     */
    public static TlsSettings fromPemFiles(int port, Path certificateChain, Path privateKey, Path clientCa,
                                           boolean requireClientCertificate) {
        for (Path file : new Path[] {certificateChain, privateKey, clientCa}) {
            if (file != null && !Files.isReadable(file)) {
                throw new IllegalArgumentException("TLS file " + file + " is not readable");
            }
        }
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(certificateChain.toFile(), privateKey.toFile())
                    .sslProvider(SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2");
            if (clientCa != null) {
                builder.trustManager(clientCa.toFile())
                        .clientAuth(requireClientCertificate ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
            }
            return new TlsSettings(port, builder.build(), clientCa != null);
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot build the TLS context from " + certificateChain + " and "
                    + privateKey + (clientCa == null ? "" : " with client CA " + clientCa) + ": " + e.getMessage(), e);
        }
    }
}
