package io.tocsin.edge.uplink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The CoAP uplink against a real Californium server on loopback, plain and over DTLS with a PSK. */
class CoapUplinkTest {

    private static final byte[] SECRET = "correct horse battery".getBytes(StandardCharsets.UTF_8);

    /** Accepts POSTs on /telemetry/{site}/{device}, records path and batch, answers {@code answer}. */
    private static final class TelemetryResource extends CoapResource {
        final List<String> paths = new CopyOnWriteArrayList<>();
        final List<TelemetryBatch> batches = new CopyOnWriteArrayList<>();
        final AtomicReference<CoAP.ResponseCode> answer = new AtomicReference<>(CoAP.ResponseCode.CREATED);

        TelemetryResource() {
            super("telemetry");
        }

        @Override
        public Resource getChild(String name) {
            return this; // site and device levels are handled here
        }

        @Override
        public void handlePOST(CoapExchange exchange) {
            try {
                batches.add(TelemetryBatch.parseFrom(exchange.getRequestPayload()));
                paths.add(exchange.getRequestOptions().getUriPathString());
                exchange.respond(answer.get());
            } catch (Exception e) {
                exchange.respond(CoAP.ResponseCode.BAD_REQUEST, e.getMessage());
            }
        }
    }

    private CoapServer server;
    private CoapUplink uplink;

    @AfterEach
    void stop() {
        if (uplink != null) {
            uplink.close();
        }
        if (server != null) {
            server.destroy();
        }
    }

    private static TelemetryBatch batch(long sequence) {
        return TelemetryBatch.newBuilder().setSiteId("park-1").setDeviceId("gw-1").setSequence(sequence)
                .addReadings(Reading.newBuilder().setSensorId("gas-01").setTimestampMs(1_000).setValue(4.5)).build();
    }

    @Test
    void aConfirmablePostAnswered201IsAcknowledgedAnythingElseIsNot() throws Exception {
        TelemetryResource telemetry = new TelemetryResource();
        server = new CoapServer(Configuration.createStandardWithoutFile());
        server.addEndpoint(CoapEndpoint.builder().setInetSocketAddress(new InetSocketAddress("127.0.0.1", 0)).build());
        server.add(telemetry);
        server.start();
        int port = server.getEndpoints().get(0).getAddress().getPort();
        uplink = CoapUplink.connect("coap://127.0.0.1:" + port, Optional.empty(), Duration.ofSeconds(5));

        uplink.send(batch(1));
        telemetry.answer.set(CoAP.ResponseCode.CHANGED);
        uplink.send(batch(2));
        telemetry.answer.set(CoAP.ResponseCode.SERVICE_UNAVAILABLE);
        assertThatThrownBy(() -> uplink.send(batch(3))).isInstanceOf(UplinkException.class)
                .hasMessageContaining("5.03");

        assertThat(telemetry.paths).containsOnly("telemetry/park-1/gw-1");
        assertThat(telemetry.batches).extracting(TelemetryBatch::getSequence).containsExactly(1L, 2L, 3L);
        assertThat(telemetry.batches.get(0)).isEqualTo(batch(1));
    }

    @Test
    void overDtlsWithAPreSharedKey() throws Exception {
        TelemetryResource telemetry = new TelemetryResource();
        Configuration config = Configuration.createStandardWithoutFile();
        DtlsConnectorConfig dtls = DtlsConnectorConfig.builder(config)
                .setAddress(new InetSocketAddress("127.0.0.1", 0))
                .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.SERVER_ONLY)
                .setAdvancedPskStore(new AdvancedSinglePskStore("gw-1", SECRET)).build();
        DTLSConnector connector = new DTLSConnector(dtls);
        server = new CoapServer(config);
        server.addEndpoint(new CoapEndpoint.Builder().setConfiguration(config).setConnector(connector).build());
        server.add(telemetry);
        server.start();
        int port = connector.getAddress().getPort();

        uplink = CoapUplink.connect("coaps://127.0.0.1:" + port,
                Optional.of(new CoapUplink.PreSharedKey("gw-1", SECRET)), Duration.ofSeconds(10));
        uplink.send(batch(7));
        assertThat(telemetry.batches).containsExactly(batch(7));

        CoapUplink impostor = CoapUplink.connect("coaps://127.0.0.1:" + port,
                Optional.of(new CoapUplink.PreSharedKey("gw-1", "wrong".getBytes(StandardCharsets.UTF_8))),
                Duration.ofSeconds(3));
        try {
            assertThatThrownBy(() -> impostor.send(batch(8))).isInstanceOf(UplinkException.class);
        } finally {
            impostor.close();
        }
        assertThat(telemetry.batches).hasSize(1);
    }
}
