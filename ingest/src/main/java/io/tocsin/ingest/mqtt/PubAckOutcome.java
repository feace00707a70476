package io.tocsin.ingest.mqtt;

import io.netty.handler.codec.mqtt.MqttReasonCodes;

import java.util.Objects;

/**
 * What to answer to one QoS 1 PUBLISH: a PUBACK (with an MQTT 5 reason code and Reason String), or closing the
 * connection, which is how an MQTT 3.1.1 client learns that a message was not taken: it resends it after
 * reconnecting.
 */
public record PubAckOutcome(MqttReasonCodes.PubAck reasonCode, String reasonString, boolean closesConnection) {

    private static final PubAckOutcome ACCEPTED = new PubAckOutcome(MqttReasonCodes.PubAck.SUCCESS, null, false);

    public PubAckOutcome {
        Objects.requireNonNull(reasonCode, "reasonCode");
    }

    public static PubAckOutcome accepted() {
        return ACCEPTED;
    }

    /** A PUBACK with a reason code; MQTT 3.1.1 clients get a plain PUBACK (their protocol has no negative ack). */
    public static PubAckOutcome refused(MqttReasonCodes.PubAck reasonCode, String reasonString) {
        return new PubAckOutcome(reasonCode, reasonString, false);
    }

    /** A PUBACK with reason 0x00 and nothing else: the same bytes in MQTT 3.1.1 and 5. */
    public boolean isPlainSuccess() {
        return reasonCode == MqttReasonCodes.PubAck.SUCCESS && reasonString == null && !closesConnection;
    }

    /** No PUBACK: the connection is closed so that the client sends the message again after reconnecting. */
    public static PubAckOutcome closeConnection(String reason) {
        return new PubAckOutcome(MqttReasonCodes.PubAck.UNSPECIFIED_ERROR, reason, true);
    }
}
