package io.tocsin.proto;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import io.tocsin.proto.v1.TelemetryBatch;

import java.io.IOException;

/**
 * What the ingest server checks of a telemetry batch before it stores the payload unchanged: that the bytes parse
 * as a {@link TelemetryBatch}, its site and device, and how many readings it holds.
 *
 * <p>{@link #read} gives the same answer as {@code TelemetryBatch.parseFrom} (same accepted payloads, same values),
 * without building the batch: ingest forwards the bytes and never uses the readings, and at tens of thousands of
 * batches a second building them cost about a quarter of the event loop's CPU (JFR, `docs/benchmarks.md`). The
 * walk over the wire format is driven by the schema's descriptors and answers only when it is sure: well-formed
 * fields the schema knows, unknown fields of the plain wire types, valid UTF-8 in every string. Anything else
 * (a malformed byte, a group, a known field with an unexpected wire type, a packed field, deep nesting) is left to
 * protobuf's own parser, which then accepts or refuses it with its own message.
 */
public record TelemetryBatchHeader(String siteId, String deviceId, int readings) {

    private static final Descriptor BATCH = TelemetryBatch.getDescriptor();
    /** Deeper than any message of ours: such a payload goes to the parser, which has its own limit. */
    private static final int MAX_DEPTH = 8;

    /**
     * @throws InvalidProtocolBufferException when the payload does not parse as a {@link TelemetryBatch} (the
     *                                        parser's own exception and message)
     */
    public static TelemetryBatchHeader read(byte[] payload) throws InvalidProtocolBufferException {
        TelemetryBatchHeader header = scan(payload);
        if (header != null) {
            return header;
        }
        TelemetryBatch batch = TelemetryBatch.parseFrom(payload);
        return new TelemetryBatchHeader(batch.getSiteId(), batch.getDeviceId(), batch.getReadingsCount());
    }

    /** The header when the payload is certainly a well-formed batch, else null (let the parser decide). */
    static TelemetryBatchHeader scan(byte[] payload) {
        CodedInputStream in = CodedInputStream.newInstance(payload);
        String siteId = "";
        String deviceId = "";
        int readings = 0;
        try {
            while (true) {
                int tag = in.readTag();
                if (tag == 0) {
                    return new TelemetryBatchHeader(siteId, deviceId, readings);
                }
                int number = WireFormat.getTagFieldNumber(tag);
                boolean lengthDelimited = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
                // The three fields ingest needs, read here; every other field is checked below.
                if (lengthDelimited && number == TelemetryBatch.SITE_ID_FIELD_NUMBER) {
                    siteId = in.readStringRequireUtf8(); // proto3: the last value wins, as in the parser
                } else if (lengthDelimited && number == TelemetryBatch.DEVICE_ID_FIELD_NUMBER) {
                    deviceId = in.readStringRequireUtf8();
                } else {
                    if (lengthDelimited && number == TelemetryBatch.READINGS_FIELD_NUMBER) {
                        readings++;
                    }
                    if (!field(in, tag, BATCH.findFieldByNumber(number), payload, 0)) {
                        return null;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return null; // malformed, or something this walk does not model: the parser says which
        }
    }

    /** Checks one message's fields up to the end of the stream's current limit. */
    private static boolean message(CodedInputStream in, Descriptor type, byte[] payload, int depth) throws IOException {
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                return true;
            }
            if (!field(in, tag, type.findFieldByNumber(WireFormat.getTagFieldNumber(tag)), payload, depth)) {
                return false;
            }
        }
    }

    /** Checks (and steps over) the value of one field; false when unsure. */
    private static boolean field(CodedInputStream in, int tag, FieldDescriptor field, byte[] payload, int depth)
            throws IOException {
        int wireType = WireFormat.getTagWireType(tag);
        if (field == null) {
            return unknownField(in, wireType);
        }
        if (field.isPacked() || field.getType() == FieldDescriptor.Type.GROUP
                || wireType != field.getLiteType().getWireType()) {
            return false;
        }
        switch (field.getJavaType()) {
            case STRING -> {
                int length = in.readRawVarint32();
                int at = in.getTotalBytesRead();
                if (length < 0 || length > payload.length - at
                        || !UnsafeByteOperations.unsafeWrap(payload, at, length).isValidUtf8()) {
                    return false;
                }
                in.skipRawBytes(length);
            }
            case MESSAGE -> {
                if (depth >= MAX_DEPTH) {
                    return false;
                }
                int limit = in.pushLimit(in.readRawVarint32());
                if (!message(in, field.getMessageType(), payload, depth + 1)) {
                    return false;
                }
                in.popLimit(limit);
            }
            default -> in.skipField(tag); // numbers, enums, bytes: well-formed is enough
        }
        return true;
    }

    private static boolean unknownField(CodedInputStream in, int wireType) throws IOException {
        switch (wireType) {
            case WireFormat.WIRETYPE_VARINT -> in.readRawVarint64();
            case WireFormat.WIRETYPE_FIXED64 -> in.readRawLittleEndian64();
            case WireFormat.WIRETYPE_FIXED32 -> in.readRawLittleEndian32();
            case WireFormat.WIRETYPE_LENGTH_DELIMITED -> in.skipRawBytes(in.readRawVarint32());
            default -> {
                return false; // groups and invalid wire types
            }
        }
        return true;
    }
}
