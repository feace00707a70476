package io.tocsin.edge.uplink;

import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.TelemetryBatch;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.elements.exception.ConnectorException;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;

/**
 * Sends telemetry batches as confirmable CoAP POSTs (Eclipse Californium) of the same protobuf payload as
 * over MQTT, to {@code /telemetry/{site}/{device}} on the platform. A 2.01 Created or 2.04 Changed response
 * is the acknowledgement; any other response, or none within the timeout, is "not acknowledged" and the
 * agent keeps the batch. With a pre-shared key the exchange runs over DTLS (coaps://, Scandium) — the usual
 * choice for NB-IoT and constrained gateways that cannot carry certificates.
 */
public final class CoapUplink implements Uplink {

    /**
     * Merged backlogs stay within one CoAP payload as the platform accepts it by default ({@code coap.maxPayloadBytes}
     * 1024, no block-wise transfer): above it the platform answers 4.13 and a merged batch would never be accepted.
     */
    public static final int MAX_PUBLISH_BYTES = 1024;


    /** Path under which the platform accepts telemetry (agreed with ingest). */
    public static final String TELEMETRY_PATH = "telemetry";

    static {
        CoapConfig.register();
        UdpConfig.register();
        DtlsConfig.register();
    }

    /** A DTLS pre-shared key: the identity the platform knows this gateway by, and the secret. */
    public record PreSharedKey(String identity, byte[] secret) {
    }

    private final String baseUri;
    private final CoapClient client;
    private final CoapEndpoint endpoint;
    private final Duration ackTimeout;

    /**
     * @param baseUri e.g. {@code coap://platform:5683} or {@code coaps://platform:5684} (then {@code psk} is
     *                required)
     */
    public static CoapUplink connect(String baseUri, Optional<PreSharedKey> psk, Duration ackTimeout) {
        Configuration config = Configuration.createStandardWithoutFile();
        // The exchange lifetime bounds how long Californium retransmits a CON; keep it within our timeout.
        config.set(CoapConfig.ACK_TIMEOUT, (int) Math.max(200, ackTimeout.toMillis() / 8),
                java.util.concurrent.TimeUnit.MILLISECONDS);
        CoapClient client = new CoapClient();
        client.setTimeout(ackTimeout.toMillis());
        CoapEndpoint endpoint;
        if (baseUri.startsWith("coaps://")) {
            PreSharedKey key = psk.orElseThrow(() -> new IllegalArgumentException(
                    "coaps:// needs a pre-shared key (identity and secret)"));
            DtlsConnectorConfig dtls = DtlsConnectorConfig.builder(config)
                    .setAddress(new InetSocketAddress(0))
                    .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY)
                    .setAdvancedPskStore(new AdvancedSinglePskStore(key.identity(), key.secret()))
                    .build();
            endpoint = new CoapEndpoint.Builder().setConfiguration(config).setConnector(new DTLSConnector(dtls)).build();
        } else {
            endpoint = new CoapEndpoint.Builder().setConfiguration(config).build();
        }
        client.setEndpoint(endpoint);
        return new CoapUplink(stripTrailingSlash(baseUri), client, endpoint, ackTimeout);
    }

    private CoapUplink(String baseUri, CoapClient client, CoapEndpoint endpoint, Duration ackTimeout) {
        this.baseUri = baseUri;
        this.client = client;
        this.endpoint = endpoint;
        this.ackTimeout = ackTimeout;
    }

    private static String stripTrailingSlash(String uri) {
        return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }

    /** The resource a device's batches are posted to. */
    public String uriOf(String siteId, String deviceId) {
        // Same rules for ids as the MQTT topic levels: non-empty, no '/', '+' or '#'.
        MqttTopics.telemetry(siteId, deviceId);
        return baseUri + "/" + TELEMETRY_PATH + "/" + siteId + "/" + deviceId;
    }

    @Override
    public int maxPublishBytes() {
        return MAX_PUBLISH_BYTES;
    }

    @Override
    public void send(TelemetryBatch batch) throws UplinkException {
        CoapResponse response;
        try {
            client.setURI(uriOf(batch.getSiteId(), batch.getDeviceId()));
            response = client.post(batch.toByteArray(), MediaTypeRegistry.APPLICATION_OCTET_STREAM);
        } catch (ConnectorException | IOException e) {
            throw new UplinkException("batch " + batch.getSequence() + " not acknowledged: " + e.getMessage(), e);
        }
        if (response == null) {
            throw new UplinkException("batch " + batch.getSequence() + ": no CoAP response within "
                    + ackTimeout.toMillis() + " ms");
        }
        CoAP.ResponseCode code = response.getCode();
        if (code != CoAP.ResponseCode.CREATED && code != CoAP.ResponseCode.CHANGED) {
            throw new UplinkException("batch " + batch.getSequence() + " refused with CoAP " + code.text + " ("
                    + code + ")" + (response.getResponseText().isEmpty() ? "" : ": " + response.getResponseText()));
        }
    }

    @Override
    public void close() {
        client.shutdown();
        endpoint.destroy();
    }
}
