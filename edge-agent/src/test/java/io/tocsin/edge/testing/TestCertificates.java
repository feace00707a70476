package io.tocsin.edge.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away PKI made at test time with Bouncy Castle (no key is ever committed): a CA, a broker certificate
 * for localhost/127.0.0.1 and a gateway client certificate, written where a broker (PEM) and the agent
 * (PEM CA, PKCS#12 client) read them. EC P-256: quick to generate, understood by OpenSSL and the JDK.
 */
public final class TestCertificates {

    public static final char[] CLIENT_PASSWORD = "gateway-p12".toCharArray();
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** Files of one PKI, all in one folder. */
    public record Files(Path caPem, Path serverPem, Path serverKeyPem, Path clientP12) {
    }

    private TestCertificates() {
    }

    public static Files create(Path dir, String clientName) throws IOException, GeneralSecurityException {
        try {
            KeyPair caKeys = ecKeys();
            X500Name caName = new X500Name("CN=Tocsin test CA " + dir.getFileName());
            X509Certificate ca = sign(caName, caKeys, caName, caKeys.getPublic(), builder -> {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            });
            KeyPair serverKeys = ecKeys();
            X509Certificate server = sign(caName, caKeys, new X500Name("CN=localhost"), serverKeys.getPublic(), b -> {
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            });
            KeyPair clientKeys = ecKeys();
            X509Certificate client = sign(caName, caKeys, new X500Name("CN=" + clientName), clientKeys.getPublic(),
                    b -> b.addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth)));
            Files files = new Files(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server.key"),
                    dir.resolve("client.p12"));
            pem(files.caPem(), ca);
            pem(files.serverPem(), server);
            pem(files.serverKeyPem(), new JcaPKCS8Generator(serverKeys.getPrivate(), null));
            KeyStore p12 = KeyStore.getInstance("PKCS12");
            p12.load(null, null);
            p12.setKeyEntry("gateway", clientKeys.getPrivate(), CLIENT_PASSWORD, new Certificate[] {client, ca});
            try (OutputStream out = java.nio.file.Files.newOutputStream(files.clientP12())) {
                p12.store(out, CLIENT_PASSWORD);
            }
            return files;
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }

    private interface Extensions {
        void add(X509v3CertificateBuilder builder) throws IOException;
    }

    private static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(X500Name issuer, KeyPair issuerKeys, X500Name subject,
                                        java.security.PublicKey subjectKey, Extensions extensions)
            throws IOException, GeneralSecurityException, OperatorCreationException {
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer,
                BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
                Date.from(now.plus(Duration.ofDays(2))), subject, subjectKey);
        extensions.add(builder);
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }

    private static void pem(Path file, Object object) throws IOException {
        try (Writer out = java.nio.file.Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(object);
        }
    }
}
