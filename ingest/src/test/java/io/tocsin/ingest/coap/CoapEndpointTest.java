package io.tocsin.ingest.coap;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.tocsin.ingest.support.Batches;
import io.tocsin.ingest.support.CommandLineTool;
import io.tocsin.ingest.support.RecordingTelemetryWriter.Append;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.MqttTopics.DeviceAddress;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapHandler;
import org.eclipse.californium.core.CoapObserveRelation;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Plain CoAP without a credential registry, with Californium's CoapClient and libcoap's coap-client-notls. */
class CoapEndpointTest {

    private static final String SITE = "park-north";
    private static final String DEVICE = "gw-07";

    private static TestServer server;
    private static String base;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        server = TestServer.startWith(builder -> builder.coap(
                CoapSettings.defaults().withBindHost("127.0.0.1").withPorts(0, CoapSettings.DISABLED)));
        base = "coap://127.0.0.1:" + server.server.coap().orElseThrow().port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void changedOnlyAfterTheTelemetryLogStoredTheBatch() throws Exception {
        CoapClient client = new CoapClient(base + "/telemetry/" + SITE + "/" + DEVICE).setTimeout(5_000L);
        try {
            int before = server.writer.appends().size();
            byte[] batch = Batches.bytes(SITE, DEVICE, 1);
            CompletableFuture<CoapResponse> answer = CompletableFuture.supplyAsync(() -> post(client, batch));

            Append append = server.writer.awaitAppend(before);
            // Give a premature answer every chance to arrive (a CoAP round trip on loopback is well under this).
            assertThat(answer).as("answered before the log stored the batch").isNotCompleted();
            append.succeed();
            CoapResponse response = answer.get(5, TimeUnit.SECONDS);
            assertThat(response.getCode()).isEqualTo(ResponseCode.CHANGED);
            assertThat(append.address()).isEqualTo(new DeviceAddress(SITE, DEVICE));
            assertThat(append.payload()).isEqualTo(batch);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void serviceUnavailableWithMaxAgeWhenTheLogFails() throws Exception {
        CoapClient client = new CoapClient(base + "/telemetry/" + SITE + "/" + DEVICE).setTimeout(5_000L);
        try {
            int before = server.writer.appends().size();
            CompletableFuture<CoapResponse> answer = CompletableFuture.supplyAsync(
                    () -> post(client, Batches.bytes(SITE, DEVICE, 2)));
            server.writer.awaitAppend(before).fail();
            CoapResponse response = answer.get(5, TimeUnit.SECONDS);
            assertThat(response.getCode()).isEqualTo(ResponseCode.SERVICE_UNAVAILABLE);
            assertThat(response.getOptions().getMaxAge()).isEqualTo(CoapSettings.DEFAULT_RETRY_AFTER.toSeconds());
        } finally {
            client.shutdown();
        }
    }

    @Test
    void badPayloadWrongDeviceAndOversizeAreRefused() throws Exception {
        CoapClient client = new CoapClient(base + "/telemetry/" + SITE + "/" + DEVICE).setTimeout(5_000L);
        try {
            int before = server.writer.appends().size();
            assertThat(post(client, "not protobuf \u00ff".getBytes(StandardCharsets.ISO_8859_1)).getCode())
                    .isEqualTo(ResponseCode.BAD_REQUEST);
            assertThat(post(client, Batches.bytes(SITE, "gw-99", 1)).getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
            CoapResponse tooLarge = post(client, new byte[CoapSettings.DEFAULT_MAX_PAYLOAD_BYTES + 1]);
            assertThat(tooLarge.getCode()).isEqualTo(ResponseCode.REQUEST_ENTITY_TOO_LARGE);
            assertThat(tooLarge.getOptions().getSize1()).isEqualTo(CoapSettings.DEFAULT_MAX_PAYLOAD_BYTES);
            client.setURI(base + "/telemetry/" + SITE);
            assertThat(post(client, Batches.bytes(SITE, DEVICE, 1)).getCode()).isEqualTo(ResponseCode.BAD_REQUEST);
            assertThat(server.writer.appends()).hasSize(before);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void libcoapClientPostsABatch() throws Exception {
        CommandLineTool.require("coap-client-notls", "libcoap3-bin");
        server.writer.completeImmediately();
        try {
            Path good = Files.write(dir.resolve("batch.bin"), Batches.bytes(SITE, DEVICE, 3));
            var stored = CommandLineTool.run(20, "coap-client-notls", "-v", "6", "-m", "post", "-t", "42",
                    "-f", good.toString(), base + "/telemetry/" + SITE + "/" + DEVICE);
            assertThat(stored.output()).as(stored.output()).contains("2.04");

            Path bad = Files.write(dir.resolve("bad.bin"), new byte[] {(byte) 0xff, 0x01});
            var refused = CommandLineTool.run(20, "coap-client-notls", "-v", "6", "-m", "post", "-t", "42",
                    "-f", bad.toString(), base + "/telemetry/" + SITE + "/" + DEVICE);
            assertThat(refused.output()).as(refused.output()).contains("4.00").doesNotContain("2.04");
        } finally {
            server.writer.completeManually();
        }
    }

    @Test
    void observersOfASiteGetItsAlarms() throws Exception {
        CoapClient client = new CoapClient(base + "/alarms/" + SITE).setTimeout(5_000L);
        BlockingQueue<String> notifications = new LinkedBlockingQueue<>();
        CoapObserveRelation relation = client.observe(new CoapHandler() {
            @Override
            public void onLoad(CoapResponse response) {
                notifications.add(response.getResponseText());
            }

            @Override
            public void onError() {
            }
        });
        try {
            assertThat(notifications.poll(5, TimeUnit.SECONDS)).as("initial GET").isEmpty();
            int reached = server.server.publish(MqttTopics.alarms(SITE), "evacuate".getBytes(StandardCharsets.UTF_8),
                    MqttQoS.AT_LEAST_ONCE);
            assertThat(reached).isEqualTo(1);
            assertThat(notifications.poll(5, TimeUnit.SECONDS)).isEqualTo("evacuate");
            assertThat(server.server.publish(MqttTopics.alarms("park-south"), new byte[] {1}, MqttQoS.AT_LEAST_ONCE))
                    .isZero();
        } finally {
            relation.proactiveCancel();
            client.shutdown();
        }
    }

    private static CoapResponse post(CoapClient client, byte[] payload) {
        try {
            return client.post(payload, MediaTypeRegistry.APPLICATION_OCTET_STREAM);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
