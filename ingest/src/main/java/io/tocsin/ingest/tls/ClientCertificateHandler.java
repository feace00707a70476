package io.tocsin.ingest.tls;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AttributeKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * Right after the {@link SslHandler}: once the TLS handshake is done, remembers the CN of the client's certificate
 * (already verified against the trusted client CA by the handshake) for the CONNECT handler, which treats it as the
 * client's registry name. A failed handshake is counted and logged; the SslHandler closes the connection.
 */
@ChannelHandler.Sharable
public final class ClientCertificateHandler extends ChannelInboundHandlerAdapter {

    public static final String HANDSHAKE_FAILURES = "tocsin.ingest.tls.handshake.failures";

    private static final Logger log = LoggerFactory.getLogger(ClientCertificateHandler.class);
    private static final AttributeKey<String> COMMON_NAME = AttributeKey.valueOf(ClientCertificateHandler.class, "cn");

    private final MeterRegistry meters;

    public ClientCertificateHandler(MeterRegistry meters) {
        this.meters = meters;
    }

    /** The CN of the verified client certificate of a connection, if it presented one. */
    public static Optional<String> commonName(Channel channel) {
        return Optional.ofNullable(channel.attr(COMMON_NAME).get());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                SslHandler ssl = ctx.pipeline().get(SslHandler.class);
                try {
                    Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
                    if (chain.length > 0 && chain[0] instanceof X509Certificate certificate) {
                        cn(certificate).ifPresent(cn -> ctx.channel().attr(COMMON_NAME).set(cn));
                    }
                } catch (SSLPeerUnverifiedException e) {
                    // No client certificate: the client logs in with a password.
                }
            } else {
                meters.counter(HANDSHAKE_FAILURES).increment();
                log.info("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), done.cause().toString());
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A failed handshake also surfaces here as a DecoderException; the event above already counted it.
        if (cause instanceof io.netty.handler.codec.DecoderException
                && cause.getCause() instanceof javax.net.ssl.SSLException) {
            log.debug("TLS error on {}: {}", ctx.channel().remoteAddress(), cause.getCause().toString());
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    static Optional<String> cn(X509Certificate certificate) {
        try {
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return Optional.of(rdn.getValue().toString());
                }
            }
        } catch (InvalidNameException e) {
            log.warn("Client certificate subject '{}' cannot be parsed", certificate.getSubjectX500Principal());
        }
        return Optional.empty();
    }
}
