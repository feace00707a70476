package io.tocsin.ingest.fuzz;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tocsin.ingest.support.Batches;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.proto.MqttTopics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Arbitrary bytes from a TCP client through the real ingest server (IngestServer with its IngestChannelInitializer
 * pipeline, on a loopback socket). Each input is one connection: optionally a valid CONNECT (and a valid telemetry
 * PUBLISH) first so the fuzzer starts past the handshake, then the fuzzer's bytes, then the client half-closes.
 *
 * <p>For every input: the server answers and closes the connection within the timeout (no hang on a partial
 * packet), no exception escapes the pipeline, no ByteBuf leaks (PARANOID leak detection), and the connection is
 * forgotten (ConnectedClients back to 0). Every 500 inputs, and after the run, a well-behaved client still
 * connects, publishes telemetry and gets PUBACK 0x00: hostile input on one connection never hurts the server.
 */
class MqttPipelineFuzzTest {

    private static final String SITE = "fuzz-site";
    private static final String DEVICE = "fuzz-gw";
    private static final AtomicLong inputs = new AtomicLong();

    private static TestServer server;
    private static EscapedErrors escaped;

    @BeforeAll
    static void start() {
        escaped = EscapedErrors.watch();
        // No connection rate limit: the fuzzer opens thousands of connections a second on purpose.
        server = TestServer.startWith(builder -> builder.connectionRateLimit(0));
        server.writer.completeImmediately();
    }

    @AfterAll
    static void stop() throws IOException {
        try {
            try (SilentCloseable allowed = connectionsToOurServerAllowed()) {
                aWellBehavedClientIsServed();
            }
            escaped.collectLeaks();
            escaped.assertNone();
        } finally {
            server.close();
            escaped.close();
        }
    }

    @FuzzTest(maxDuration = "20s")
    @DictionaryEntries({"MQTT", "MQIsdp", "tocsin/v1/telemetry/", "tocsin/v1/alarms/", "tocsin/v1/status/",
        "fuzz-site/fuzz-gw", "$share/", "#", "+/"})
    void anyBytesOnAConnection(FuzzedDataProvider data) throws Exception {
        try (SilentCloseable allowed = connectionsToOurServerAllowed()) {
            check(data);
        }
    }

    private static void check(FuzzedDataProvider data) throws Exception {
        byte[] prefix = switch (data.consumeInt(0, 3)) {
            case 1 -> RawMqttClient.connectV3("fuzz-3", 0);
            case 2 -> RawMqttClient.connectV5("fuzz-5", 0);
            case 3 -> concat(RawMqttClient.connectV5("fuzz-5t", 0), RawMqttClient.publish(
                    MqttTopics.telemetry(SITE, DEVICE), 1, 1, Batches.bytes(SITE, DEVICE, 1), true));
            default -> new byte[0];
        };
        byte[] hostile = data.consumeRemainingAsBytes();

        assertThat(serverClosesAfter(concat(prefix, hostile)))
                .as("the server closes a half-closed connection instead of waiting for the rest").isTrue();
        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(30))
                .until(() -> server.server.clients().size() == 0);
        escaped.assertNone();
        if (inputs.incrementAndGet() % 500 == 0) {
            aWellBehavedClientIsServed();
        }
    }

    /** Sends the bytes, half-closes, and reads until the server closes; false if it did not within 30 s. */
    private static boolean serverClosesAfter(byte[] bytes) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(30_000); // generous for a loaded machine; only a hang waits this long
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(bytes);
                out.flush();
                socket.shutdownOutput();
            } catch (SocketException closedWhileWriting) {
                return true; // the server refused the bytes so far and closed: what it should do
            }
            InputStream in = socket.getInputStream();
            byte[] sink = new byte[4096];
            try {
                while (in.read(sink) >= 0) {
                    // the server's answers (CONNACK, PUBACK, DISCONNECT ...) are not judged here
                }
                return true;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (SocketException reset) {
                return true;
            }
        }
    }

    private static void aWellBehavedClientIsServed() throws IOException {
        try (RawMqttClient client = new RawMqttClient(server.port())) {
            client.send(RawMqttClient.connectV5("well-behaved", 0));
            RawMqttClient.Packet connAck = client.read();
            assertThat(connAck.type()).isEqualTo(RawMqttClient.Packet.CONNACK);
            assertThat(connAck.unsignedByte(1)).as("CONNACK reason").isZero();
            client.send(RawMqttClient.publish(MqttTopics.telemetry(SITE, DEVICE), 1, 7,
                    Batches.bytes(SITE, DEVICE, 7), true));
            RawMqttClient.Packet pubAck = client.read();
            assertThat(pubAck.type()).isEqualTo(RawMqttClient.Packet.PUBACK);
            assertThat(RawMqttClient.packetId(pubAck)).isEqualTo(7);
            assertThat(pubAck.body().length == 2 || pubAck.unsignedByte(2) == 0).as("PUBACK 0x00").isTrue();
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = new byte[a.length + b.length];
        System.arraycopy(a, 0, both, 0, a.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /**
     * Jazzer's SSRF detector reports every socket connect; talking to our own server is the point. Set per input
     * with try-with-resources, as Jazzer asks: the detector exists only once Jazzer's agent is in (after
     * @BeforeAll when fuzzing), and a value left set breaks the next test's reset.
     */
    private static SilentCloseable connectionsToOurServerAllowed() {
        return BugDetectors.allowNetworkConnections((host, port) -> isOurServer(port));
    }

    /** Loopback to the server under test: the only connection the SSRF detector may let through. */
    private static boolean isOurServer(int port) {
        return server.port() == port;
    }
}
