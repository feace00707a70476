package io.tocsin.ingest.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.tocsin.ingest.mqtt.ConnectedClient;
import io.tocsin.ingest.mqtt.InFlightMemoryBudget;
import io.tocsin.ingest.mqtt.InFlightPublishes;
import io.tocsin.ingest.mqtt.InFlightPublishes.PendingAck;
import io.tocsin.ingest.mqtt.PubAckOutcome;
import io.tocsin.ingest.mqtt.PublishValidationHandler;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.MqttTopics.DeviceAddress;
import io.tocsin.proto.v1.TelemetryBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * PUBLISH on a telemetry topic: check the batch, write it to the telemetry log, and acknowledge it only once the
 * log has it.
 *
 * <p>A batch is taken when its topic parses as {@code tocsin/v1/telemetry/{site}/{device}}, its payload parses as
 * a {@link TelemetryBatch} with at least one reading, and the batch's site and device are the topic's. Otherwise
 * it is refused: WARN, counter {@value PublishValidationHandler#PUBLISH_REFUSED} with a {@code reason} tag, and for
 * MQTT 5 QoS 1 a PUBACK with 0x90 (topic) or 0x99 (payload) and a Reason String. The connection stays open:
 * one bad batch must not cut a gateway's other sensors off.
 *
 * <p>The topic ACL applies first: a device may publish only its own site and device's topic, a station none
 * (MQTT 5 PUBACK 0x87 not authorized).
 *
 * <p>MQTT 3.1.1 has no negative acknowledgement. A refused QoS 1 batch gets a plain PUBACK there: closing the
 * connection instead would make the device resend the same bad batch forever and never get its good ones
 * through. The refusal is visible in the logs and the counter.
 *
 * <p>A write that fails (Kafka unavailable past the delivery timeout) is the opposite case: the batch is good and
 * must be resent. MQTT 5 gets PUBACK 0x80 with a Reason String asking for a resend; MQTT 3.1.1 gets its connection
 * closed, its only way to be told "not taken", so that it resends after reconnecting.
 *
 * <p>One instance per connection (it remembers whether the log is failing, to keep the log readable).
 */
public final class TelemetryPublishHandler extends ChannelInboundHandlerAdapter {

    /** Telemetry batches the log confirmed (counted even if the device disconnected before its PUBACK). */
    public static final String ACCEPTED = "tocsin.ingest.publish.accepted";
    /** Telemetry batches the log failed to store; the device was told to resend (QoS 1) or lost them (QoS 0). */
    public static final String WRITE_FAILED = "tocsin.ingest.telemetry.write.failed";
    /** Timer from receiving a batch to the log's answer: the PUBACK latency devices see. */
    public static final String WRITE_LATENCY = "tocsin.ingest.telemetry.write";

    static final String LOG_UNAVAILABLE = "telemetry log unavailable, batch not stored: resend it";

    private static final Logger log = LoggerFactory.getLogger(TelemetryPublishHandler.class);

    /** Why a batch is refused, as the counter tag and the MQTT 5 reason code say it. */
    enum Refusal {
        BAD_TOPIC("bad_topic", MqttReasonCodes.PubAck.TOPIC_NAME_INVALID),
        NOT_AUTHORIZED("not_authorized", MqttReasonCodes.PubAck.NOT_AUTHORIZED),
        BAD_PAYLOAD("bad_payload", MqttReasonCodes.PubAck.PAYLOAD_FORMAT_INVALID),
        EMPTY_BATCH("empty_batch", MqttReasonCodes.PubAck.PAYLOAD_FORMAT_INVALID),
        SITE_DEVICE_MISMATCH("site_device_mismatch", MqttReasonCodes.PubAck.PAYLOAD_FORMAT_INVALID);

        final String tag;
        final MqttReasonCodes.PubAck reasonCode;

        Refusal(String tag, MqttReasonCodes.PubAck reasonCode) {
            this.tag = tag;
            this.reasonCode = reasonCode;
        }

        static Refusal of(TelemetryBatchCheck.Kind kind) {
            return switch (kind) {
                case BAD_PAYLOAD -> BAD_PAYLOAD;
                case EMPTY_BATCH -> EMPTY_BATCH;
                case SITE_DEVICE_MISMATCH -> SITE_DEVICE_MISMATCH;
            };
        }
    }

    private final TelemetryWriter writer;
    private final InFlightMemoryBudget memoryBudget;
    private final Counter accepted;
    private final Counter writeFailed;
    private final Timer writeLatency;
    private final Map<Refusal, Counter> refused = new EnumMap<>(Refusal.class);
    /** Set after a failed write is logged at WARN; the next ones go to debug until a write succeeds again. */
    private boolean writesFailing;

    /** @param memoryBudget the bytes all connections may have waiting for the log together; null for no bound */
    public TelemetryPublishHandler(TelemetryWriter writer, MeterRegistry meters, InFlightMemoryBudget memoryBudget) {
        this.writer = writer;
        this.memoryBudget = memoryBudget;
        this.accepted = meters.counter(ACCEPTED);
        this.writeFailed = meters.counter(WRITE_FAILED);
        this.writeLatency = Timer.builder(WRITE_LATENCY)
                .description("From receiving a telemetry batch to the telemetry log confirming (or failing) it")
                .register(meters);
        for (Refusal refusal : Refusal.values()) {
            refused.put(refusal, meters.counter(PublishValidationHandler.PUBLISH_REFUSED, "reason", refusal.tag));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof MqttPublishMessage publish)
                || !MqttTopics.isTelemetry(publish.variableHeader().topicName())) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            receive(ctx, publish);
        } finally {
            publish.release();
        }
    }

    private void receive(ChannelHandlerContext ctx, MqttPublishMessage publish) {
        long receivedAt = System.nanoTime();
        ConnectedClient client = ConnectedClient.of(ctx.channel());
        String topic = publish.variableHeader().topicName();
        // Reserve the PUBACK's (QoS 2: PUBREC's) place first: whatever happens below, acks leave in the order
        // publishes came in.
        MqttQoS qos = publish.fixedHeader().qosLevel();
        PendingAck ack = qos != MqttQoS.AT_MOST_ONCE
                ? client.inFlight().expectAck(publish.variableHeader().packetId(), qos) : null;

        Optional<DeviceAddress> parsed = MqttTopics.parseTelemetry(topic);
        if (parsed.isEmpty()) {
            refuse(client, topic, ack, Refusal.BAD_TOPIC,
                    "telemetry topic must be " + MqttTopics.TELEMETRY_PREFIX + "{siteId}/{deviceId}");
            return;
        }
        DeviceAddress address = parsed.get();
        if (!client.identity().mayPublishTelemetry(address)) {
            refuse(client, topic, ack, Refusal.NOT_AUTHORIZED, client.identity() + " may not publish telemetry of site '"
                    + address.siteId() + "' device '" + address.deviceId() + "'");
            return;
        }
        byte[] payload = ByteBufUtil.getBytes(publish.payload());
        Optional<TelemetryBatchCheck.Problem> problem = TelemetryBatchCheck.check(address, payload, "topic");
        if (problem.isPresent()) {
            refuse(client, topic, ack, Refusal.of(problem.get().kind()), problem.get().why());
            return;
        }
        write(ctx.channel().eventLoop(), client, topic, address, payload, ack, receivedAt);
    }

    private void write(EventLoop eventLoop, ConnectedClient client, String topic, DeviceAddress address,
                       byte[] payload, PendingAck ack, long receivedAt) {
        InFlightPublishes inFlight = client.inFlight();
        if (ack == null) {
            inFlight.unacknowledgedWriteStarted();
        }
        int bytes = payload.length;
        if (memoryBudget != null) {
            memoryBudget.reserve(bytes);
            // This connection stops at once when it is the one that exceeded the budget; the others are told.
            inFlight.memoryBudgetChanged();
        }
        CompletableFuture<?> written;
        try {
            written = writer.append(address, payload);
            if (written == null) {
                written = CompletableFuture.failedFuture(new IllegalStateException("telemetry writer returned null"));
            }
        } catch (RuntimeException e) {
            written = CompletableFuture.failedFuture(e);
        }
        written.whenComplete((result, failure) -> {
            // On the writer's thread (Kafka's I/O thread): count here, decide the ack on the event loop.
            if (memoryBudget != null) {
                memoryBudget.release(bytes);
            }
            writeLatency.record(System.nanoTime() - receivedAt, TimeUnit.NANOSECONDS);
            if (failure == null) {
                accepted.increment();
            } else {
                writeFailed.increment();
            }
            try {
                eventLoop.execute(() -> written(client, topic, ack, failure));
            } catch (RejectedExecutionException e) {
                log.debug("Telemetry write for client {} completed after the server stopped", client.clientId());
            }
        });
    }

    /** On the event loop: the telemetry log answered for one batch. */
    private void written(ConnectedClient client, String topic, PendingAck ack, Throwable failure) {
        InFlightPublishes inFlight = client.inFlight();
        if (failure == null) {
            writesFailing = false;
            if (ack == null) {
                inFlight.unacknowledgedWriteFinished();
            } else {
                inFlight.settle(ack, PubAckOutcome.accepted());
            }
            return;
        }
        Throwable cause = unwrap(failure);
        if (!writesFailing) {
            writesFailing = true;
            log.warn("Telemetry from client {} on {} not written ({}): {}; further failures of this connection at "
                    + "debug until a write succeeds", client, topic, ack == null ? "QoS 0, lost"
                    : client.isV5() ? "PUBACK 0x80, device must resend" : "closing connection, device must resend",
                    cause.toString());
        } else {
            log.debug("Telemetry from client {} on {} not written: {}", client.clientId(), topic, cause.toString());
        }
        if (ack == null) {
            inFlight.unacknowledgedWriteFinished();
        } else if (client.isV5()) {
            inFlight.settle(ack, PubAckOutcome.refused(MqttReasonCodes.PubAck.UNSPECIFIED_ERROR, LOG_UNAVAILABLE));
        } else {
            inFlight.settle(ack, PubAckOutcome.closeConnection(LOG_UNAVAILABLE));
        }
    }

    private void refuse(ConnectedClient client, String topic, PendingAck ack, Refusal refusal, String why) {
        refused.get(refusal).increment();
        log.warn("Refused telemetry from client {} on topic {}: {}", client, topic, why);
        if (ack != null) {
            // MQTT 3.1.1 clients get a plain PUBACK (see the class comment): ConnectedClient drops the code for them.
            client.inFlight().settle(ack, PubAckOutcome.refused(refusal.reasonCode, why));
        }
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
