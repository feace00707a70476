package io.tocsin.ingest.fuzz;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tocsin.ingest.support.RawMqttClient;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Telemetry payloads from one MQTT 5 device connection that stays open across all inputs, through the real
 * server's publish validation and telemetry handler: raw bytes, or a batch built from the input with hostile
 * values (NaN and infinities, timestamps at the ends of the long range, unknown quality numbers, hundreds of
 * readings, wrong or empty ids).
 *
 * <p>Oracle: protobuf itself. A payload that parses, has readings and names the topic's site and device is
 * written unchanged and acknowledged 0x00; anything else gets PUBACK 0x99 and is not written. Either way the
 * connection stays open (one bad batch must not cut a gateway off).
 */
class TelemetryPayloadFuzzTest {

    private static final String SITE = "fuzz-site";
    private static final String DEVICE = "fuzz-gw";
    private static final double[] HOSTILE_VALUES = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
        -0.0, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, 25.0};
    private static final long[] HOSTILE_TIMES = {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE, 253_402_300_800_000L};

    private static TestServer server;
    private static RawMqttClient device;
    private static int packetId;

    @BeforeAll
    static void connect() throws IOException {
        server = TestServer.start();
        server.writer.completeImmediately();
        device = new RawMqttClient(server.port());
        device.send(RawMqttClient.connectV5(DEVICE, 0));
        assertThat(device.read().type()).isEqualTo(RawMqttClient.Packet.CONNACK);
    }

    @AfterAll
    static void close() throws IOException {
        try {
            device.close();
            server.close();
        } finally {

        }
    }

    @FuzzTest(maxDuration = "10s")
    void everyPayloadIsStoredOrRefusedWith0x99(FuzzedDataProvider data) throws Exception {
        try (SilentCloseable allowed = connectionsToOurServerAllowed()) {
            check(data);
        }
    }

    private static void check(FuzzedDataProvider data) throws Exception {
        byte[] payload = data.consumeBoolean() ? hostileBatch(data).toByteArray() : data.consumeRemainingAsBytes();
        int expected = acceptable(payload) ? 0x00 : 0x99;
        int writtenBefore = server.writer.appends().size();
        packetId = packetId % 65_535 + 1;

        device.send(RawMqttClient.publish(MqttTopics.telemetry(SITE, DEVICE), 1, packetId, payload, true));
        RawMqttClient.Packet ack = device.read();

        assertThat(ack.type()).as("answer to a QoS 1 PUBLISH").isEqualTo(RawMqttClient.Packet.PUBACK);
        assertThat(RawMqttClient.packetId(ack)).isEqualTo(packetId);
        int reason = ack.body().length > 2 ? ack.unsignedByte(2) : 0x00;
        assertThat(reason).as("PUBACK reason code").isEqualTo(expected);
        var appends = server.writer.appends();
        if (expected == 0x00) {
            assertThat(appends).hasSize(writtenBefore + 1);
            assertThat(appends.get(writtenBefore).payload()).isEqualTo(payload);
        } else {
            assertThat(appends).hasSize(writtenBefore);
        }
    }

    private static boolean acceptable(byte[] payload) {
        try {
            TelemetryBatch batch = TelemetryBatch.parseFrom(payload);
            return batch.getReadingsCount() > 0 && batch.getSiteId().equals(SITE)
                    && batch.getDeviceId().equals(DEVICE);
        } catch (InvalidProtocolBufferException e) {
            return false;
        }
    }

    private static TelemetryBatch hostileBatch(FuzzedDataProvider data) {
        TelemetryBatch.Builder batch = TelemetryBatch.newBuilder()
                .setSiteId(data.consumeBoolean() ? SITE : data.consumeString(20))
                .setDeviceId(data.consumeBoolean() ? DEVICE : data.consumeString(20))
                .setSequence(data.consumeLong());
        int readings = data.consumeInt(0, 300);
        for (int i = 0; i < readings && data.remainingBytes() > 0; i++) {
            batch.addReadings(Reading.newBuilder()
                    .setSensorId(data.consumeString(16))
                    .setTimestampMs(data.consumeBoolean() ? data.pickValue(HOSTILE_TIMES) : data.consumeLong())
                    .setValue(data.consumeBoolean() ? data.pickValue(HOSTILE_VALUES) : data.consumeDouble())
                    .setQualityValue(data.consumeInt(-2, 6))
                    .setUnit(data.consumeString(8)));
        }
        return batch.build();
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
