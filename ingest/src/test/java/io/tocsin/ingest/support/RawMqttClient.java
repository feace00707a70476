package io.tocsin.ingest.support;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * MQTT by hand on a plain socket, for what a well-behaved client library refuses to send: malformed packets,
 * wildcard topics, unsupported protocol levels, invalid filters.
 */
public final class RawMqttClient implements AutoCloseable {

    public static final int TIMEOUT_MS = 5_000;

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    public RawMqttClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(TIMEOUT_MS);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    public RawMqttClient send(byte[] packet) throws IOException {
        out.write(packet);
        out.flush();
        return this;
    }

    /** Reads one whole packet; fails if the connection closes or nothing comes within the timeout. */
    public Packet read() throws IOException {
        int first = in.readUnsignedByte();
        int length = 0;
        int multiplier = 1;
        int digit;
        do {
            digit = in.readUnsignedByte();
            length += (digit & 0x7F) * multiplier;
            multiplier *= 128;
        } while ((digit & 0x80) != 0);
        byte[] body = new byte[length];
        in.readFully(body);
        return new Packet(first >> 4, first & 0x0F, body);
    }

    /** Whether the server closes the connection (within the timeout), skipping whatever it still sends. */
    public boolean awaitClosed() throws IOException {
        try {
            while (in.read() >= 0) {
                // skip
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset by the server
        } catch (EOFException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** One MQTT packet as read: type (high nibble), flags (low nibble), everything after the length. */
    public record Packet(int type, int flags, byte[] body) {
        public static final int CONNACK = 2;
        public static final int PUBACK = 4;
        public static final int PUBLISH = 3;
        public static final int PUBREC = 5;
        public static final int PUBREL = 6;
        public static final int PUBCOMP = 7;
        public static final int SUBACK = 9;
        public static final int UNSUBACK = 11;
        public static final int PINGRESP = 13;
        public static final int DISCONNECT = 14;

        public int unsignedByte(int index) {
            return body[index] & 0xFF;
        }

        /** QoS of a PUBLISH (fixed header flags bits 1-2). */
        public int qos() {
            return (flags >> 1) & 0x03;
        }

        public boolean dup() {
            return (flags & 0x08) != 0;
        }

        /** The packet identifier of a QoS 1 or 2 PUBLISH (after its topic). */
        public int publishPacketId() {
            int topicLength = unsignedByte(0) << 8 | unsignedByte(1);
            return unsignedByte(2 + topicLength) << 8 | unsignedByte(3 + topicLength);
        }

        /** The payload of a QoS 1 or 2 PUBLISH, MQTT 5 (with properties) or 3.1.1. */
        public String publishPayload(boolean v5) {
            int topicLength = unsignedByte(0) << 8 | unsignedByte(1);
            int index = 2 + topicLength + 2;
            if (v5) {
                index += 1 + unsignedByte(index); // small properties: one byte of variable length
            }
            return new String(body, index, body.length - index, StandardCharsets.UTF_8);
        }

        /** The MQTT 5 reason code of an ack (PUBACK, PUBREC, PUBREL, PUBCOMP); 0 when left out. */
        public int reasonCode() {
            return body.length > 2 ? unsignedByte(2) : 0;
        }
    }

    // ---- packet builders ----

    public static byte[] connect(String protocolName, int level, String clientId, int keepAliveSeconds,
                                 boolean cleanSession) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, protocolName);
        body.write(level);
        body.write(cleanSession ? 0x02 : 0x00);
        body.write(keepAliveSeconds >> 8);
        body.write(keepAliveSeconds & 0xFF);
        if (level == 5) {
            body.write(0); // no properties
        }
        writeString(body, clientId);
        return packet(0x10, body.toByteArray());
    }

    /** An MQTT 5 CONNECT with a Receive Maximum and a Session Expiry Interval (clean start when expiry is 0). */
    public static byte[] connectV5(String clientId, int keepAliveSeconds, int receiveMaximum, int sessionExpiry) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, "MQTT");
        body.write(5);
        body.write(sessionExpiry == 0 ? 0x02 : 0x00);
        body.write(keepAliveSeconds >> 8);
        body.write(keepAliveSeconds & 0xFF);
        body.write(3 + 5); // properties length
        body.write(0x21); // Receive Maximum
        body.write(receiveMaximum >> 8);
        body.write(receiveMaximum & 0xFF);
        body.write(0x11); // Session Expiry Interval
        body.write(sessionExpiry >>> 24);
        body.write(sessionExpiry >> 16 & 0xFF);
        body.write(sessionExpiry >> 8 & 0xFF);
        body.write(sessionExpiry & 0xFF);
        writeString(body, clientId);
        return packet(0x10, body.toByteArray());
    }

    public static byte[] connectV5(String clientId, int keepAliveSeconds) {
        return connect("MQTT", 5, clientId, keepAliveSeconds, true);
    }

    public static byte[] connectV3(String clientId, int keepAliveSeconds) {
        return connect("MQTT", 4, clientId, keepAliveSeconds, true);
    }

    public static byte[] publish(String topic, int qos, int packetId, byte[] payload, boolean v5) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, topic);
        if (qos > 0) {
            body.write(packetId >> 8);
            body.write(packetId & 0xFF);
        }
        if (v5) {
            body.write(0); // no properties
        }
        body.writeBytes(payload);
        return packet(0x30 | (qos << 1), body.toByteArray());
    }

    /** An MQTT 5 PUBLISH whose only property is a Topic Alias (topic may be empty to use the alias). */
    public static byte[] publishWithAlias(String topic, int alias, int qos, int packetId, byte[] payload) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeString(body, topic);
        if (qos > 0) {
            body.write(packetId >> 8);
            body.write(packetId & 0xFF);
        }
        body.write(3); // properties length
        body.write(0x23); // Topic Alias
        body.write(alias >> 8);
        body.write(alias & 0xFF);
        body.writeBytes(payload);
        return packet(0x30 | (qos << 1), body.toByteArray());
    }

    /** PUBREL (fixed header flags 0b0010), MQTT 3.1.1 form (valid for 5 too: reason 0 and no properties). */
    public static byte[] pubRel(int packetId) {
        return packet(0x62, new byte[] {(byte) (packetId >> 8), (byte) packetId});
    }

    /** PUBREC with a reason code (MQTT 5; pass 0 for 3.1.1, which is then left out). */
    public static byte[] pubRec(int packetId, int reasonCode) {
        return reasonCode == 0 ? packet(0x50, new byte[] {(byte) (packetId >> 8), (byte) packetId})
                : packet(0x50, new byte[] {(byte) (packetId >> 8), (byte) packetId, (byte) reasonCode});
    }

    public static byte[] pubComp(int packetId) {
        return packet(0x70, new byte[] {(byte) (packetId >> 8), (byte) packetId});
    }

    /** Sets the DUP flag of an encoded PUBLISH. */
    public static byte[] dup(byte[] publish) {
        byte[] copy = publish.clone();
        copy[0] |= 0x08;
        return copy;
    }

    /** The packet identifier at the start of an ack's body. */
    public static int packetId(Packet ack) {
        return ack.unsignedByte(0) << 8 | ack.unsignedByte(1);
    }

    public static byte[] subscribe(int packetId, boolean v5, String... filters) {
        return subscribe(packetId, v5, 1, filters);
    }

    public static byte[] subscribe(int packetId, boolean v5, int qos, String... filters) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(packetId >> 8);
        body.write(packetId & 0xFF);
        if (v5) {
            body.write(0); // no properties
        }
        for (String filter : filters) {
            writeString(body, filter);
            body.write(qos);
        }
        return packet(0x82, body.toByteArray());
    }

    public static byte[] pingReq() {
        return new byte[] {(byte) 0xC0, 0x00};
    }

    /** A packet with the given first byte and body, the remaining length encoded as MQTT does. */
    public static byte[] packet(int firstByte, byte[] body) {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(firstByte);
        writeRemainingLength(packet, body.length);
        packet.writeBytes(body);
        return packet.toByteArray();
    }

    public static void writeRemainingLength(ByteArrayOutputStream out, int length) {
        do {
            int digit = length % 128;
            length /= 128;
            out.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
    }

    private static void writeString(ByteArrayOutputStream out, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.write(bytes.length >> 8);
        out.write(bytes.length & 0xFF);
        out.writeBytes(bytes);
    }
}
