package io.tocsin.edge.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Eclipse Mosquitto broker (Debian package mosquitto, installed by .ci/run) started as a child process
 * on a free loopback port with a generated configuration: optional TLS (with or without client certificates)
 * and optional username/password (a password file made by {@code mosquitto_passwd -b}). A test that needs it
 * fails with an explicit message when it is missing; it is never skipped.
 */
public final class MosquittoBroker implements AutoCloseable {

    private static final List<Path> BINARIES = List.of(Path.of("/usr/sbin/mosquitto"), Path.of("/usr/bin/mosquitto"),
            Path.of("/usr/local/sbin/mosquitto"));

    private final Path dir;
    private final int port;
    private final Process process;

    /** What the broker asks of its clients. */
    public record Settings(TestCertificates.Files tls, boolean requireClientCertificate, String username,
                           String password) {
        public static Settings plain() {
            return new Settings(null, false, null, null);
        }

        public Settings withPassword(String user, String secret) {
            return new Settings(tls, requireClientCertificate, user, secret);
        }

        public Settings withTls(TestCertificates.Files files, boolean requireClientCert) {
            return new Settings(files, requireClientCert, username, password);
        }
    }

    private MosquittoBroker(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    public static Path binary() {
        for (Path candidate : BINARIES) {
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("mosquitto is not installed: this test needs a real MQTT broker. Install it"
                + " with: apt-get install -y mosquitto mosquitto-clients");
    }

    public static MosquittoBroker start(Path dir, Settings settings) throws IOException {
        return start(dir, settings, LoopbackPorts.free());
    }

    /** Starts on a given port (to bring a stopped broker back where its clients expect it). */
    public static MosquittoBroker start(Path dir, Settings settings, int port) throws IOException {
        Path mosquitto = binary();
        Files.createDirectories(dir);
        List<String> conf = new ArrayList<>(List.of(
                // Started as root, mosquitto would switch to the user "mosquitto", who cannot read a test's
                // temporary folder; as any other user this line has no effect.
                "user root",
                "log_dest stdout",
                "log_type all",
                "persistence false",
                "set_tcp_nodelay true",
                "listener " + port + " 127.0.0.1",
                "allow_anonymous " + (settings.username() == null)));
        if (settings.username() != null) {
            Path passwords = dir.resolve("passwords");
            Files.deleteIfExists(passwords);
            Files.createFile(passwords);
            run(List.of(passwdBinary(mosquitto), "-b", passwords.toString(), settings.username(), settings.password()));
            conf.add("password_file " + passwords);
        }
        if (settings.tls() != null) {
            conf.add("cafile " + settings.tls().caPem());
            conf.add("certfile " + settings.tls().serverPem());
            conf.add("keyfile " + settings.tls().serverKeyPem());
            conf.add("require_certificate " + settings.requireClientCertificate());
        }
        Path confFile = dir.resolve("mosquitto.conf");
        Files.write(confFile, conf);
        Path log = dir.resolve("mosquitto-" + port + ".log");
        Process process = new ProcessBuilder(mosquitto.toString(), "-c", confFile.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        MosquittoBroker broker = new MosquittoBroker(dir, port, process);
        await().atMost(Duration.ofSeconds(10)).until(() -> !process.isAlive() || accepts(port));
        if (!process.isAlive()) {
            throw new IllegalStateException("mosquitto exited at once: " + Files.readString(log));
        }
        return broker;
    }

    private static String passwdBinary(Path mosquitto) {
        Path passwd = Path.of("/usr/bin/mosquitto_passwd");
        if (!Files.isExecutable(passwd)) {
            throw new IllegalStateException("mosquitto_passwd is missing (package mosquitto): apt-get install -y"
                    + " mosquitto mosquitto-clients; found " + mosquitto);
        }
        return passwd.toString();
    }

    private static void run(List<String> command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    public String tcpUri() {
        return "tcp://127.0.0.1:" + port;
    }

    public String sslUri() {
        return "ssl://127.0.0.1:" + port;
    }

    /** The broker's log so far (for assertion messages). */
    public String log() throws IOException {
        return Files.readString(dir.resolve("mosquitto-" + port + ".log"));
    }

    /** SIGKILL, as a crashed server: no DISCONNECT, no orderly close of the connections. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
