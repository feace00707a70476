package io.tocsin.ingest;

import java.time.Duration;
import java.util.Objects;

/**
 * How the ingest server listens and how much it lets one connection hold.
 *
 * @param bindHost                 address to listen on ("0.0.0.0" for every interface)
 * @param port                     TCP port; 0 picks a free one (see {@link IngestServer#port()})
 * @param maxPacketBytes           largest MQTT packet accepted (remaining length); bigger ones close the connection
 * @param maxInFlightPerConnection telemetry publishes one connection may have waiting for the telemetry log
 *                                 before the server stops reading from it; also the MQTT 5 Receive Maximum
 * @param connectTimeout           how long a new connection may take to send its CONNECT
 */
public record IngestConfig(String bindHost, int port, int maxPacketBytes, int maxInFlightPerConnection,
                           Duration connectTimeout) {

    public static final String DEFAULT_BIND_HOST = "0.0.0.0";
    public static final int DEFAULT_PORT = 1883;
    public static final int DEFAULT_MAX_PACKET_BYTES = 256 * 1024;
    public static final int DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION = 1000;
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /** The largest remaining length MQTT can express. */
    private static final int MQTT_MAX_REMAINING_LENGTH = 268_435_455;
    /** Receive Maximum is a two-byte integer in MQTT 5. */
    private static final int MQTT_MAX_RECEIVE_MAXIMUM = 65_535;

    public IngestConfig {
        Objects.requireNonNull(bindHost, "bindHost");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0..65535: " + port);
        }
        if (maxPacketBytes <= 0 || maxPacketBytes > MQTT_MAX_REMAINING_LENGTH) {
            throw new IllegalArgumentException("maxPacketBytes must be 1.." + MQTT_MAX_REMAINING_LENGTH + ": "
                    + maxPacketBytes);
        }
        if (maxInFlightPerConnection <= 0 || maxInFlightPerConnection > MQTT_MAX_RECEIVE_MAXIMUM) {
            throw new IllegalArgumentException("maxInFlightPerConnection must be 1.." + MQTT_MAX_RECEIVE_MAXIMUM
                    + ": " + maxInFlightPerConnection);
        }
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connectTimeout must be positive: " + connectTimeout);
        }
    }

    /** Port 1883 on every interface, 256 KiB packets, 1000 in flight, 10 s to CONNECT. */
    public static IngestConfig defaults() {
        return new IngestConfig(DEFAULT_BIND_HOST, DEFAULT_PORT, DEFAULT_MAX_PACKET_BYTES,
                DEFAULT_MAX_IN_FLIGHT_PER_CONNECTION, DEFAULT_CONNECT_TIMEOUT);
    }

    public IngestConfig withBindHost(String bindHost) {
        return new IngestConfig(bindHost, port, maxPacketBytes, maxInFlightPerConnection, connectTimeout);
    }

    public IngestConfig withPort(int port) {
        return new IngestConfig(bindHost, port, maxPacketBytes, maxInFlightPerConnection, connectTimeout);
    }

    public IngestConfig withMaxPacketBytes(int maxPacketBytes) {
        return new IngestConfig(bindHost, port, maxPacketBytes, maxInFlightPerConnection, connectTimeout);
    }

    public IngestConfig withMaxInFlightPerConnection(int maxInFlightPerConnection) {
        return new IngestConfig(bindHost, port, maxPacketBytes, maxInFlightPerConnection, connectTimeout);
    }

    public IngestConfig withConnectTimeout(Duration connectTimeout) {
        return new IngestConfig(bindHost, port, maxPacketBytes, maxInFlightPerConnection, connectTimeout);
    }
}
