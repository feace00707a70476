package io.tocsin.ingest.coap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tocsin.ingest.auth.CredentialRegistry;
import io.tocsin.ingest.pubsub.SubscriptionRegistry;
import io.tocsin.ingest.status.CoapDevicePresence;
import io.tocsin.ingest.status.DeviceStatusEvents;
import io.tocsin.ingest.status.DeviceStatusWriter;
import io.tocsin.ingest.telemetry.TelemetryWriter;
import org.eclipse.californium.core.CoapServer;
import org.eclipse.californium.core.config.CoapConfig;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.core.network.Endpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.elements.config.UdpConfig;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.DtlsHealth;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedMultiPskStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The CoAP side of ingest (Eclipse Californium): {@code POST /telemetry/{site}/{device}} (see
 * {@link TelemetryResource}) and observable {@code /alarms/{site}} (see {@link AlarmsResource}), on plain CoAP and/or
 * CoAP over DTLS whose pre-shared keys come from the credential registry (identity = registry name, key = the
 * {@code PasswordHash#dtlsKey()} of its password entry). It shares the MQTT server's telemetry writer and
 * subscription registry, so CoAP devices and MQTT devices land in the same Kafka topic, and alarms reach both.
 * With a device status writer, CoAP devices also get online/offline status events ({@link CoapDevicePresence}).
 */
public final class CoapIngestEndpoint implements AutoCloseable {

    /** DTLS handshakes that failed: an unknown identity, a timed out or broken handshake. */
    public static final String DTLS_HANDSHAKE_FAILURES = "tocsin.ingest.coap.dtls.handshake.failures";
    /**
     * DTLS records dropped on receipt, mostly records whose MAC does not check: how a wrong pre-shared key shows
     * (the client's Finished cannot be decrypted; DTLS drops such records silently instead of answering).
     */
    public static final String DTLS_RECORDS_DROPPED = "tocsin.ingest.coap.dtls.records.dropped";

    private static final Logger log = LoggerFactory.getLogger(CoapIngestEndpoint.class);

    static {
        CoapConfig.register();
        UdpConfig.register();
        DtlsConfig.register();
    }

    private final CoapServer server;
    private final Endpoint plain;
    private final Endpoint dtls;
    private final CoapDevicePresence presence;

    /**
     * @param credentials the registry for DTLS keys and the ACL; null for no authentication (plain CoAP only)
     */
    public CoapIngestEndpoint(CoapSettings settings, TelemetryWriter writer, SubscriptionRegistry subscriptions,
                              CredentialRegistry credentials, MeterRegistry meters) {
        this(settings, writer, subscriptions, credentials, null, DeviceStatusEvents.localServerId(), meters);
    }

    /**
     * @param credentials  the registry for DTLS keys and the ACL; null for no authentication (plain CoAP only)
     * @param statusWriter where online/offline events of CoAP devices go; null for none
     * @param serverId     this server's id in those events (the same as its MQTT events')
     */
    public CoapIngestEndpoint(CoapSettings settings, TelemetryWriter writer, SubscriptionRegistry subscriptions,
                              CredentialRegistry credentials, DeviceStatusWriter statusWriter, String serverId,
                              MeterRegistry meters) {
        Objects.requireNonNull(settings, "settings");
        if (settings.dtlsPort() != CoapSettings.DISABLED && credentials == null) {
            throw new IllegalArgumentException("CoAP over DTLS needs a credential registry (its pre-shared keys)");
        }
        Configuration config = Configuration.createStandardWithoutFile();
        // A telemetry batch fits one datagram; blockwise bodies above the limit get 4.13 from Californium itself.
        config.set(CoapConfig.MAX_RESOURCE_BODY_SIZE, settings.maxPayloadBytes());
        config.set(UdpConfig.UDP_DATAGRAM_SIZE, Math.max(2048, settings.maxPayloadBytes() + 512));
        config.set(CoapConfig.PROTOCOL_STAGE_THREAD_COUNT, 2);
        config.set(UdpConfig.UDP_RECEIVER_THREAD_COUNT, 1);
        config.set(UdpConfig.UDP_SENDER_THREAD_COUNT, 1);
        server = new CoapServer(config);
        if (settings.port() != CoapSettings.DISABLED) {
            plain = new CoapEndpoint.Builder().setConfiguration(config)
                    .setInetSocketAddress(new InetSocketAddress(settings.bindHost(), settings.port())).build();
            server.addEndpoint(plain);
        } else {
            plain = null;
        }
        if (settings.dtlsPort() != CoapSettings.DISABLED) {
            AdvancedMultiPskStore keys = new AdvancedMultiPskStore();
            int[] count = {0};
            credentials.entries().forEach(entry -> entry.passwordHash().ifPresent(hash -> {
                keys.setKey(entry.identity().name(), hash.dtlsKey());
                count[0]++;
            }));
            DtlsConnectorConfig dtlsConfig = DtlsConnectorConfig.builder(config)
                    .setAddress(new InetSocketAddress(settings.bindHost(), settings.dtlsPort()))
                    .set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.SERVER_ONLY)
                    .set(DtlsConfig.DTLS_RECEIVER_THREAD_COUNT, 1)
                    .set(DtlsConfig.DTLS_CONNECTOR_THREAD_COUNT, 1)
                    .setAdvancedPskStore(keys)
                    .setHealthHandler(new DtlsFailureCounter(meters.counter(DTLS_HANDSHAKE_FAILURES),
                            meters.counter(DTLS_RECORDS_DROPPED)))
                    .build();
            dtls = new CoapEndpoint.Builder().setConfiguration(config).setConnector(new DTLSConnector(dtlsConfig))
                    .build();
            server.addEndpoint(dtls);
            log.info("CoAP over DTLS: {} pre-shared keys from the credential registry", count[0]);
        } else {
            dtls = null;
        }
        CoapIdentities identities = new CoapIdentities(credentials);
        // Last, as it starts the sweep thread: nothing after it can fail before start().
        presence = statusWriter == null ? null
                : new CoapDevicePresence(statusWriter, serverId, settings.offlineAfter(), meters);
        server.add(new TelemetryResource(writer, identities, settings, presence, meters));
        server.add(new AlarmsResource(subscriptions, identities, meters));
    }

    public CoapIngestEndpoint start() {
        try {
            server.start();
        } catch (RuntimeException e) {
            if (presence != null) {
                presence.close(); // nobody was heard yet: stops the sweep thread, writes nothing
            }
            throw e;
        }
        log.info("CoAP endpoint listening{}{}{}", plain == null ? "" : " on udp " + plain.getAddress(),
                dtls == null ? "" : " and DTLS on udp " + dtls.getAddress(),
                " (POST /telemetry/{site}/{device}, observe /alarms/{site})");
        return this;
    }

    /** The plain CoAP port (useful with port 0). */
    public int port() {
        if (plain == null) {
            throw new IllegalStateException("plain CoAP disabled");
        }
        return plain.getAddress().getPort();
    }

    /** The CoAP over DTLS port (useful with port 0). */
    public int dtlsPort() {
        if (dtls == null) {
            throw new IllegalStateException("CoAP over DTLS disabled");
        }
        return dtls.getAddress().getPort();
    }

    /** Online/offline of CoAP devices, when a status writer was given. */
    public java.util.Optional<CoapDevicePresence> presence() {
        return java.util.Optional.ofNullable(presence);
    }

    /** Stops the endpoint, then reports the devices online here offline (see {@link CoapDevicePresence#close}). */
    @Override
    public void close() {
        server.stop();
        server.destroy();
        if (presence != null) {
            presence.close();
        }
        log.info("CoAP endpoint stopped");
    }

    /**
     * Scandium's health hook, used for its failed-handshake and dropped-record callbacks: a device with a wrong key
     * never gets a CoAP answer (there is no session to answer in), so these counters are the operator's only sign.
     */
    private static final class DtlsFailureCounter implements DtlsHealth {
        private final Counter failures;
        private final Counter dropped;

        DtlsFailureCounter(Counter failures, Counter dropped) {
            this.failures = failures;
            this.dropped = dropped;
        }

        @Override
        public void endHandshake(boolean success) {
            if (!success) {
                failures.increment();
            }
        }

        @Override
        public boolean isEnabled() {
            return true;
        }

        @Override
        public void dump(String tag, int maxConnections, int remainingCapacity, int pendingWithoutVerify) {
        }

        @Override
        public void startHandshake() {
        }

        @Override
        public void receivingRecord(boolean wasDropped) {
            if (wasDropped) {
                dropped.increment();
            }
        }

        @Override
        public void sendingRecord(boolean dropped) {
        }
    }
}
