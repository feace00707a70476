package io.tocsin.ingest.coap;

import java.time.Duration;
import java.util.Objects;

/**
 * The CoAP endpoint: plain CoAP and/or CoAP over DTLS with pre-shared keys.
 *
 * @param bindHost        address to listen on
 * @param port            plain CoAP UDP port (conventionally 5683); 0 picks a free one, -1 disables it
 * @param dtlsPort        CoAP over DTLS UDP port (conventionally 5684); 0 picks a free one, -1 disables it. DTLS needs
 *                        a credential registry (the pre-shared keys come from it)
 * @param maxPayloadBytes largest telemetry batch accepted (4.13 Request Entity Too Large above it)
 * @param retryAfter      Max-Age of a 5.03 answer when the telemetry log is unavailable: when to try again
 */
public record CoapSettings(String bindHost, int port, int dtlsPort, int maxPayloadBytes, Duration retryAfter) {

    public static final int DEFAULT_PORT = 5683;
    public static final int DEFAULT_DTLS_PORT = 5684;
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1024;
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(5);
    public static final int DISABLED = -1;

    public CoapSettings {
        Objects.requireNonNull(bindHost, "bindHost");
        Objects.requireNonNull(retryAfter, "retryAfter");
        if (port < DISABLED || port > 65_535 || dtlsPort < DISABLED || dtlsPort > 65_535) {
            throw new IllegalArgumentException("CoAP ports must be -1 (disabled) or 0..65535: " + port + ", "
                    + dtlsPort);
        }
        if (port == DISABLED && dtlsPort == DISABLED) {
            throw new IllegalArgumentException("CoAP endpoint with neither a plain nor a DTLS port");
        }
        if (maxPayloadBytes <= 0) {
            throw new IllegalArgumentException("maxPayloadBytes must be positive: " + maxPayloadBytes);
        }
        if (retryAfter.isNegative() || retryAfter.toSeconds() > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("retryAfter out of range: " + retryAfter);
        }
    }

    /** Ports 5683 and 5684 on every interface, 1 KiB batches, retry after 5 s. */
    public static CoapSettings defaults() {
        return new CoapSettings("0.0.0.0", DEFAULT_PORT, DEFAULT_DTLS_PORT, DEFAULT_MAX_PAYLOAD_BYTES,
                DEFAULT_RETRY_AFTER);
    }

    public CoapSettings withBindHost(String bindHost) {
        return new CoapSettings(bindHost, port, dtlsPort, maxPayloadBytes, retryAfter);
    }

    public CoapSettings withPorts(int port, int dtlsPort) {
        return new CoapSettings(bindHost, port, dtlsPort, maxPayloadBytes, retryAfter);
    }

    public CoapSettings withMaxPayloadBytes(int maxPayloadBytes) {
        return new CoapSettings(bindHost, port, dtlsPort, maxPayloadBytes, retryAfter);
    }
}
