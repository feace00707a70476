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
 * @param offlineAfter    CoAP has no connection: a device is offline (a status event, then a gateway fault after the
 *                        stream job's grace) once no accepted telemetry POST came from it for this long
 */
public record CoapSettings(String bindHost, int port, int dtlsPort, int maxPayloadBytes, Duration retryAfter,
                           Duration offlineAfter) {

    public static final int DEFAULT_PORT = 5683;
    public static final int DEFAULT_DTLS_PORT = 5684;
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1024;
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(5);
    /**
     * An edge agent POSTs every poll tick (1 s by default), so 30 s of silence is some 30 missed reports: well past a
     * lost datagram or a CoAP retransmission on a poor link, short enough that with the gateway fault's 10 s grace
     * the fault (at about 40 s) still comes before its sensors' 60 s silence rules. Gateways that report less
     * often (NB-IoT, minutes apart) need a few times their interval here.
     */
    public static final Duration DEFAULT_OFFLINE_AFTER = Duration.ofSeconds(30);
    public static final int DISABLED = -1;
    /** Below this the silence sweep would run all the time (tests use a few hundred ms). */
    public static final Duration MIN_OFFLINE_AFTER = Duration.ofMillis(100);

    public CoapSettings {
        Objects.requireNonNull(bindHost, "bindHost");
        Objects.requireNonNull(retryAfter, "retryAfter");
        Objects.requireNonNull(offlineAfter, "offlineAfter");
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
        if (offlineAfter.compareTo(MIN_OFFLINE_AFTER) < 0) {
            throw new IllegalArgumentException("offlineAfter must be at least " + MIN_OFFLINE_AFTER.toMillis()
                    + " ms: " + offlineAfter);
        }
    }

    /** Ports 5683 and 5684 on every interface, 1 KiB batches, retry after 5 s, offline after 30 s of silence. */
    public static CoapSettings defaults() {
        return new CoapSettings("0.0.0.0", DEFAULT_PORT, DEFAULT_DTLS_PORT, DEFAULT_MAX_PAYLOAD_BYTES,
                DEFAULT_RETRY_AFTER, DEFAULT_OFFLINE_AFTER);
    }

    public CoapSettings withBindHost(String bindHost) {
        return new CoapSettings(bindHost, port, dtlsPort, maxPayloadBytes, retryAfter, offlineAfter);
    }

    public CoapSettings withPorts(int port, int dtlsPort) {
        return new CoapSettings(bindHost, port, dtlsPort, maxPayloadBytes, retryAfter, offlineAfter);
    }

    public CoapSettings withMaxPayloadBytes(int maxPayloadBytes) {
        return new CoapSettings(bindHost, port, dtlsPort, maxPayloadBytes, retryAfter, offlineAfter);
    }

    public CoapSettings withOfflineAfter(Duration offlineAfter) {
        return new CoapSettings(bindHost, port, dtlsPort, maxPayloadBytes, retryAfter, offlineAfter);
    }
}
