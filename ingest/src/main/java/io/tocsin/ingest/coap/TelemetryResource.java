package io.tocsin.ingest.coap;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tocsin.ingest.auth.Identity;
import io.tocsin.ingest.status.CoapDevicePresence;
import io.tocsin.ingest.telemetry.TelemetryBatchCheck;
import io.tocsin.ingest.telemetry.TelemetryWriter;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.MqttTopics.DeviceAddress;
import io.tocsin.proto.v1.TelemetryBatch;
import org.eclipse.californium.core.CoapResource;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.Response;
import org.eclipse.californium.core.server.resources.CoapExchange;
import org.eclipse.californium.core.server.resources.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code POST /telemetry/{siteId}/{deviceId}} with a {@link TelemetryBatch} as payload: the CoAP twin of publishing
 * on {@code tocsin/v1/telemetry/{siteId}/{deviceId}}. Send it confirmable: the answer is piggybacked on the ACK and
 * sent only once the telemetry log stored the batch, so a device that got no 2.04 resends.
 *
 * <ul>
 *   <li>2.04 Changed: stored;</li>
 *   <li>4.00 Bad Request: the path or payload is not a batch of this site and device, or it has no readings;</li>
 *   <li>4.01 Unauthorized: no known identity (plain CoAP while a credential registry is configured);</li>
 *   <li>4.03 Forbidden: a known identity that may not publish this site and device's telemetry;</li>
 *   <li>4.13 Request Entity Too Large (with Size1): payload above the configured maximum;</li>
 *   <li>5.03 Service Unavailable with Max-Age: the telemetry log could not store it; resend after Max-Age.</li>
 * </ul>
 */
final class TelemetryResource extends CoapResource {

    static final String REQUESTS = "tocsin.ingest.coap.telemetry";

    private static final Logger log = LoggerFactory.getLogger(TelemetryResource.class);

    private final TelemetryWriter writer;
    private final CoapIdentities identities;
    private final CoapSettings settings;
    /** Online/offline status of the devices; null without a status writer. */
    private final CoapDevicePresence presence;
    private final MeterRegistry meters;
    private final Timer writeLatency;

    TelemetryResource(TelemetryWriter writer, CoapIdentities identities, CoapSettings settings,
                      CoapDevicePresence presence, MeterRegistry meters) {
        super("telemetry");
        this.writer = writer;
        this.identities = identities;
        this.settings = settings;
        this.presence = presence;
        this.meters = meters;
        this.writeLatency = Timer.builder(REQUESTS + ".write")
                .description("From receiving a CoAP telemetry batch to the telemetry log's answer").register(meters);
    }

    /** Every path below /telemetry is this resource: the site and device are read from the path. */
    @Override
    public Resource getChild(String name) {
        return this;
    }

    @Override
    public void handlePOST(CoapExchange exchange) {
        long receivedAt = System.nanoTime();
        List<String> path = exchange.getRequestOptions().getUriPath();
        Optional<DeviceAddress> address = path.size() == 3
                ? MqttTopics.parseTelemetry(MqttTopics.TELEMETRY_PREFIX + path.get(1) + "/" + path.get(2))
                : Optional.empty();
        if (address.isEmpty()) {
            refuse(exchange, ResponseCode.BAD_REQUEST, "bad_path", "path must be /telemetry/{siteId}/{deviceId}");
            return;
        }
        Optional<Identity> identity = identities.of(exchange);
        if (identity.isEmpty()) {
            refuse(exchange, ResponseCode.UNAUTHORIZED, "unknown_identity",
                    "no known identity: use CoAP over DTLS with the device's pre-shared key");
            return;
        }
        if (!identity.get().mayPublishTelemetry(address.get())) {
            refuse(exchange, ResponseCode.FORBIDDEN, "not_authorized", identity.get()
                    + " may not publish telemetry of " + address.get());
            return;
        }
        byte[] payload = exchange.getRequestPayload();
        if (payload.length > settings.maxPayloadBytes()) {
            Response tooLarge = new Response(ResponseCode.REQUEST_ENTITY_TOO_LARGE);
            tooLarge.getOptions().setSize1(settings.maxPayloadBytes());
            count("too_large");
            log.warn("Refused CoAP telemetry from {} for {}: {} bytes, maximum {}", exchange.getSourceSocketAddress(),
                    address.get(), payload.length, settings.maxPayloadBytes());
            exchange.respond(tooLarge);
            return;
        }
        Optional<TelemetryBatchCheck.Problem> problem = TelemetryBatchCheck.check(address.get(), payload, "path");
        if (problem.isPresent()) {
            refuse(exchange, ResponseCode.BAD_REQUEST, "bad_payload", problem.get().why());
            return;
        }
        if (presence != null) {
            // A sign of life even if the log then fails to store it (5.03): the device is there and will resend.
            presence.heard(address.get(), identity.get(), exchange.getSourceSocketAddress());
        }
        CompletableFuture<?> written;
        try {
            written = writer.append(address.get(), payload);
        } catch (RuntimeException e) {
            written = CompletableFuture.failedFuture(e);
        }
        written.whenComplete((result, failure) -> {
            writeLatency.record(System.nanoTime() - receivedAt, TimeUnit.NANOSECONDS);
            if (failure == null) {
                count("stored");
                exchange.respond(ResponseCode.CHANGED);
                return;
            }
            count("log_unavailable");
            log.warn("CoAP telemetry of {} not stored ({}): answering 5.03, device must resend after {} s",
                    address.get(), failure.toString(), settings.retryAfter().toSeconds());
            Response unavailable = new Response(ResponseCode.SERVICE_UNAVAILABLE);
            unavailable.getOptions().setMaxAge(settings.retryAfter().toSeconds());
            unavailable.setPayload("telemetry log unavailable, batch not stored: resend it");
            exchange.respond(unavailable);
        });
    }

    private void refuse(CoapExchange exchange, ResponseCode code, String reason, String why) {
        count(reason);
        log.warn("Refused CoAP telemetry from {} to {}: {} ({})", exchange.getSourceSocketAddress(),
                exchange.getRequestOptions().getUriPathString(), why, code);
        exchange.respond(code, why);
    }

    private void count(String outcome) {
        meters.counter(REQUESTS, "outcome", outcome).increment();
    }
}
