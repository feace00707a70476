package io.tocsin.ingest.support;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Certificates made at test time with Bouncy Castle (never committed): a CA, server certificates for 127.0.0.1
 * and localhost, and client certificates with a given CN.
 */
public final class TestCertificates {

    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A key and its certificate chain (leaf first). */
    public record Issued(PrivateKey key, X509Certificate certificate, X509Certificate issuer) {

        /** PEM files in a directory: {name}.crt (leaf + issuer), {name}.key (PKCS#8), ca.crt. */
        public Path[] writePem(Path dir, String name) throws Exception {
            Path cert = dir.resolve(name + ".crt");
            Path key = dir.resolve(name + ".key");
            Path ca = dir.resolve(name + "-ca.crt");
            Files.writeString(cert, pem("CERTIFICATE", certificate.getEncoded()));
            Files.writeString(key, pem("PRIVATE KEY", this.key.getEncoded()));
            Files.writeString(ca, pem("CERTIFICATE", issuer.getEncoded()));
            return new Path[] {cert, key, ca};
        }

        /** A client socket factory presenting this certificate and trusting {@code trusted}. */
        public SSLSocketFactory socketFactory(X509Certificate trusted) throws Exception {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("me", key, new char[0], new X509Certificate[] {certificate, issuer});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), trustManagers(trusted), null);
            return context.getSocketFactory();
        }
    }

    private final KeyPair caKeys;
    private final X509Certificate ca;

    public TestCertificates() throws Exception {
        caKeys = newKeyPair();
        X500Name name = new X500Name("CN=Tocsin Test CA");
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(), notBefore(), notAfter(),
                name, caKeys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        ca = sign(builder, caKeys.getPrivate());
    }

    public X509Certificate ca() {
        return ca;
    }

    public Issued server() throws Exception {
        KeyPair keys = newKeyPair();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name("CN=Tocsin Test CA"),
                serial(), notBefore(), notAfter(), new X500Name("CN=localhost"), keys.getPublic())
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        return new Issued(keys.getPrivate(), sign(builder, caKeys.getPrivate()), ca);
    }

    public Issued client(String commonName) throws Exception {
        KeyPair keys = newKeyPair();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name("CN=Tocsin Test CA"),
                serial(), notBefore(), notAfter(), new X500Name("O=Tocsin Test,CN=" + commonName), keys.getPublic());
        return new Issued(keys.getPrivate(), sign(builder, caKeys.getPrivate()), ca);
    }

    /** A client socket factory without a client certificate, trusting the test CA. */
    public SSLSocketFactory trustingSocketFactory() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers(ca), null);
        return context.getSocketFactory();
    }

    public Path writeCa(Path dir) throws IOException, java.security.cert.CertificateEncodingException {
        Path file = dir.resolve("ca.crt");
        Files.writeString(file, pem("CERTIFICATE", ca.getEncoded()));
        return file;
    }

    private static javax.net.ssl.TrustManager[] trustManagers(X509Certificate trusted) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", trusted);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return tmf.getTrustManagers();
    }

    private static KeyPair newKeyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) throws Exception {
        ContentSigner contentSigner = new JcaContentSignerBuilder("SHA256withECDSA").build(signer);
        return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static Date notBefore() {
        return Date.from(Instant.now().minus(1, ChronoUnit.HOURS));
    }

    private static Date notAfter() {
        return Date.from(Instant.now().plus(1, ChronoUnit.DAYS));
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
