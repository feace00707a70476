package io.tocsin.ingest.mqtt;

import io.micrometer.core.instrument.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;

/**
 * The publishes of one connection that were received but are not finished yet.
 *
 * <p>It keeps the PUBACKs (and PUBRECs for QoS 2) in the order the PUBLISHes were received, as MQTT 4.6 requires, even though their
 * outcomes are decided out of order (telemetry writes to different Kafka partitions complete in any order):
 * each QoS 1 PUBLISH reserves its place with {@link #expectAck} when it arrives, and acknowledgements leave only
 * from the head of the queue.
 *
 * <p>It also bounds what one connection can make the server hold: when more than {@code maxInFlight} publishes
 * are pending, the server stops reading the socket (TCP then pushes back on the client) and reads again once
 * half of them have drained. Nothing is refused or dropped for being too many.
 *
 * <p>Event loop only.
 */
public final class InFlightPublishes {

    /** How often a connection had its reading paused because too much of it was in flight. */
    public static final String READ_PAUSES = "tocsin.ingest.backpressure.pauses";

    private static final Logger log = LoggerFactory.getLogger(InFlightPublishes.class);
    private static final int SUCCESS_PUBACK_BYTES = 4;

    private final ConnectedClient client;
    private final int maxInFlight;
    private final int resumeAt;
    private final Counter readPauses;
    private final InFlightMemoryBudget memoryBudget;
    private final ArrayDeque<PendingAck> acks = new ArrayDeque<>();
    private int unacknowledgedWrites;
    private boolean readingPaused;
    /** This connection's own bound was exceeded (the memory budget may pause reading too). */
    private boolean tooManyInFlight;
    private boolean abandoned;
    private boolean draining;
    private boolean flushScheduled;

    InFlightPublishes(ConnectedClient client, int maxInFlight, Counter readPauses, InFlightMemoryBudget memoryBudget) {
        this.client = client;
        this.memoryBudget = memoryBudget;
        this.maxInFlight = maxInFlight;
        this.resumeAt = maxInFlight / 2;
        this.readPauses = readPauses;
    }

    /** A QoS 1 PUBLISH arrived: reserve its PUBACK's place in the order. Settle it later with {@link #settle}. */
    public PendingAck expectAck(int packetId) {
        return expectAck(packetId, false);
    }

    /**
     * A QoS 1 or 2 PUBLISH arrived: reserve the place of its PUBACK (QoS 1) or PUBREC (QoS 2) in the order.
     */
    public PendingAck expectAck(int packetId, io.netty.handler.codec.mqtt.MqttQoS qos) {
        return expectAck(packetId, qos == io.netty.handler.codec.mqtt.MqttQoS.EXACTLY_ONCE);
    }

    private PendingAck expectAck(int packetId, boolean exactlyOnce) {
        PendingAck ack = new PendingAck(packetId, exactlyOnce);
        if (!abandoned) {
            acks.addLast(ack);
            updateReading();
        }
        return ack;
    }

    /** Decides a pending PUBACK; it (and any decided ones queued behind it) goes out once everything before it has. */
    public void settle(PendingAck ack, PubAckOutcome outcome) {
        if (ack.outcome != null) {
            throw new IllegalStateException("PUBACK " + ack.packetId + " already settled");
        }
        ack.outcome = outcome;
        if (abandoned) {
            return;
        }
        sendDecidedAcks();
        updateReading();
    }

    /**
     * Close the connection once every acknowledgement reserved before now has gone out (so that the client does
     * not resend what was taken): MQTT 5 gets a DISCONNECT with this reason, MQTT 3.1.1 a plain close.
     */
    public void closeAfterPendingAcks(MqttReasonCodes.Disconnect reason, String why) {
        PendingAck close = expectAck(0, false);
        close.disconnectReason = reason;
        settle(close, PubAckOutcome.closeConnection(why));
    }

    /** Work without an acknowledgement (a QoS 0 telemetry write) started: it counts for back pressure. */
    public void unacknowledgedWriteStarted() {
        unacknowledgedWrites++;
        updateReading();
    }

    public void unacknowledgedWriteFinished() {
        unacknowledgedWrites--;
        updateReading();
    }

    /** Publishes received and not finished: PUBACKs not sent yet plus QoS 0 writes not completed. */
    public int pending() {
        return acks.size() + unacknowledgedWrites;
    }

    /** Whether the server stopped reading this connection because too much is in flight. */
    public boolean readingPaused() {
        return readingPaused;
    }

    /**
     * The server is shutting down: stop reading this connection for good, so that what is in flight can finish
     * (its acks still go out) while nothing new comes in.
     */
    public void drain() {
        draining = true;
        readingPaused = true;
        client.channel().config().setAutoRead(false);
    }

    /** The connection is gone: nothing more will be sent, whatever completes later. */
    public void abandon() {
        abandoned = true;
        acks.clear();
    }

    private void sendDecidedAcks() {
        Channel channel = client.channel();
        boolean wrote = false;
        ByteBuf successes = null;
        while (!acks.isEmpty() && acks.peekFirst().outcome != null) {
            PendingAck ack = acks.pollFirst();
            PubAckOutcome outcome = ack.outcome;
            if (outcome.closesConnection()) {
                // Acks decided before this one still leave first, so the client does not resend those.
                writeSuccesses(channel, successes);
                if (wrote) {
                    channel.flush();
                }
                log.info("Closing connection of client {} instead of acknowledging packet {}: {}",
                        client, ack.packetId, outcome.reasonString());
                if (ack.disconnectReason != null) {
                    client.disconnect(ack.disconnectReason, outcome.reasonString());
                } else {
                    client.close(outcome.reasonString());
                }
                abandon();
                return;
            }
            if (!ack.exactlyOnce && outcome.isPlainSuccess()) {
                if (successes == null) {
                    successes = channel.alloc().ioBuffer(SUCCESS_PUBACK_BYTES * (acks.size() + 1));
                }
                writeSuccessPubAck(successes, ack.packetId);
            } else {
                writeSuccesses(channel, successes);
                successes = null;
                if (ack.exactlyOnce) {
                    client.received(ack.packetId, outcome);
                    channel.write(client.pubRec(ack.packetId, outcome.reasonCode(), outcome.reasonString()),
                            channel.voidPromise());
                } else {
                    channel.write(client.pubAck(ack.packetId, outcome.reasonCode(), outcome.reasonString()),
                            channel.voidPromise());
                }
            }
            wrote = true;
        }
        writeSuccesses(channel, successes);
        if (wrote) {
            flushSoon(channel);
        }
    }

    /**
     * A successful PUBACK as its four bytes, the same in MQTT 3.1.1 and 5 (MQTT 5 3.4.2.1: reason 0x00 without
     * properties may be left out). Telemetry's PUBACKs are nearly all such, one per batch: written as bytes they
     * skip a message object, the MQTT encoder and an outbound write each (with 1,000 connections the encoder path
     * was ~45 % of the event loops' profile samples).
     */
    static void writeSuccessPubAck(ByteBuf out, int packetId) {
        out.writeByte(MqttMessageType.PUBACK.value() << 4);
        out.writeByte(2);
        out.writeShort(packetId);
    }

    private static void writeSuccesses(Channel channel, ByteBuf successes) {
        if (successes != null) {
            channel.write(successes, channel.voidPromise());
        }
    }

    /**
     * Flushes after the event loop's tasks already queued: the telemetry log confirms a connection's batches in
     * bursts, one task each, and their acks then leave in one write instead of a system call each.
     */
    private void flushSoon(Channel channel) {
        if (!flushScheduled) {
            flushScheduled = true;
            channel.eventLoop().execute(() -> {
                flushScheduled = false;
                channel.flush();
            });
        }
    }

    /** The global memory budget was exceeded or is free again (see {@link InFlightMemoryBudget}). */
    public void memoryBudgetChanged() {
        updateReading();
    }

    private void updateReading() {
        if (abandoned || draining) {
            return;
        }
        int pending = pending();
        if (!tooManyInFlight && pending > maxInFlight) {
            tooManyInFlight = true;
            readPauses.increment();
            log.debug("Client {} has {} publishes in flight (max {}): reading paused", client, pending, maxInFlight);
        } else if (tooManyInFlight && pending <= resumeAt) {
            tooManyInFlight = false;
            log.debug("Client {} has {} publishes in flight: reading may resume", client, pending);
        }
        boolean pause = tooManyInFlight || (memoryBudget != null && memoryBudget.exceeded());
        if (pause != readingPaused) {
            readingPaused = pause;
            client.channel().config().setAutoRead(!pause);
        }
    }

    /** The place of one PUBACK in the connection's order. */
    public static final class PendingAck {
        private final int packetId;
        private final boolean exactlyOnce;
        private PubAckOutcome outcome;
        /** Set on the marker of {@link #closeAfterPendingAcks}: close with a DISCONNECT of this reason. */
        private MqttReasonCodes.Disconnect disconnectReason;

        private PendingAck(int packetId, boolean exactlyOnce) {
            this.packetId = packetId;
            this.exactlyOnce = exactlyOnce;
        }

        public int packetId() {
            return packetId;
        }
    }
}
