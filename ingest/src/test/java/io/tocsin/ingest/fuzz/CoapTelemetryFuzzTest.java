package io.tocsin.ingest.fuzz;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tocsin.ingest.coap.CoapSettings;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.TelemetryBatch;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.coap.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /telemetry/{site}/{device}} over real CoAP (Californium client to the server's plain CoAP endpoint,
 * no credential registry) with any path segments and any payload: 2.04 and written unchanged exactly when the
 * path names a device and the payload is a batch of that device with readings; otherwise 4.00 and nothing
 * written. The endpoint keeps answering.
 */
class CoapTelemetryFuzzTest {

    private static final String SITE = "fuzz-site";
    private static final String DEVICE = "fuzz-gw";

    private static TestServer server;
    private static CoapClient client;

    @BeforeAll
    static void start() {
        server = TestServer.startWith(builder -> builder.coap(CoapSettings.defaults().withBindHost("127.0.0.1")
                .withPorts(0, CoapSettings.DISABLED)));
        server.writer.completeImmediately();
        client = new CoapClient().setTimeout(10_000L);
    }

    @AfterAll
    static void stop() {
        try {
            client.shutdown();
            server.close();
        } finally {

        }
    }

    @FuzzTest(maxDuration = "10s")
    void anyPostIsStoredOrRefusedWith400(FuzzedDataProvider data) throws Exception {
        try (SilentCloseable allowed = connectionsToOurServerAllowed()) {
            check(data);
        }
    }

    private static void check(FuzzedDataProvider data) throws Exception {
        String site = data.consumeBoolean() ? SITE : data.consumeString(24);
        String device = data.consumeBoolean() ? DEVICE : data.consumeString(24);
        boolean extraSegment = data.consumeInt(0, 15) == 0;
        // Below one CoAP block (1024 bytes): blockwise transfer is Californium's, not ours.
        byte[] payload = data.consumeBytes(1000);

        Request post = Request.newPost();
        post.setURI("coap://127.0.0.1:" + server.server.coap().orElseThrow().port());
        try {
            post.getOptions().addUriPath("telemetry").addUriPath(site).addUriPath(device);
            if (extraSegment) {
                post.getOptions().addUriPath("extra");
            }
        } catch (IllegalArgumentException notACoapOption) {
            return; // e.g. a segment longer than 255 bytes: the client cannot even send it
        }
        post.getOptions().setContentFormat(MediaTypeRegistry.APPLICATION_OCTET_STREAM);
        post.setPayload(payload);
        int writtenBefore = server.writer.appends().size();

        CoapResponse response = client.advanced(post);

        boolean pathNamesADevice = !extraSegment
                && MqttTopics.parseTelemetry(MqttTopics.TELEMETRY_PREFIX + site + "/" + device).isPresent();
        boolean stored = pathNamesADevice && isBatchOf(payload, site, device);
        assertThat(response).as("an answer within the timeout").isNotNull();
        assertThat(response.getCode()).isEqualTo(stored ? ResponseCode.CHANGED : ResponseCode.BAD_REQUEST);
        var appends = server.writer.appends();
        if (stored) {
            assertThat(appends).hasSize(writtenBefore + 1);
            assertThat(appends.get(writtenBefore).payload()).isEqualTo(payload);
        } else {
            assertThat(appends).hasSize(writtenBefore);
        }
    }

    private static boolean isBatchOf(byte[] payload, String site, String device) {
        try {
            TelemetryBatch batch = TelemetryBatch.parseFrom(payload);
            return batch.getReadingsCount() > 0 && batch.getSiteId().equals(site) && batch.getDeviceId().equals(device);
        } catch (InvalidProtocolBufferException e) {
            return false;
        }
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
        return server.server.coap().orElseThrow().port() == port;
    }
}
