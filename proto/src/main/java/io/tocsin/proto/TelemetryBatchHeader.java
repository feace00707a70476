package io.tocsin.proto;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import io.tocsin.proto.v1.TelemetryBatch;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

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

    /**
     * The schema as tables by field number, made once: asking the descriptors per field (type, packed-ness, by
     * binary search) cost more than the walk itself.
     */
    private static final Fields BATCH = Fields.of(TelemetryBatch.getDescriptor(), new HashMap<>());
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
                    if (!field(in, tag, BATCH, payload, 0)) {
                        return null;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return null; // malformed, or something this walk does not model: the parser says which
        }
    }

    /** Checks one message's fields up to the end of the stream's current limit. */
    private static boolean message(CodedInputStream in, Fields type, byte[] payload, int depth) throws IOException {
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                return true;
            }
            if (!field(in, tag, type, payload, depth)) {
                return false;
            }
        }
    }

    /** Checks (and steps over) the value of one field of a message of {@code type}; false when unsure. */
    private static boolean field(CodedInputStream in, int tag, Fields type, byte[] payload, int depth)
            throws IOException {
        int number = WireFormat.getTagFieldNumber(tag);
        int wireType = WireFormat.getTagWireType(tag);
        byte kind = number < type.kinds.length ? type.kinds[number] : Fields.UNKNOWN;
        if (kind == Fields.UNKNOWN) {
            return unknownField(in, wireType);
        }
        if (kind == Fields.UNSURE || wireType != type.wireTypes[number]) {
            return false;
        }
        switch (kind) {
            case Fields.STRING -> {
                int length = in.readRawVarint32();
                int at = in.getTotalBytesRead();
                if (length < 0 || length > payload.length - at || !isValidUtf8(payload, at, length)) {
                    return false;
                }
                in.skipRawBytes(length);
            }
            case Fields.MESSAGE -> {
                if (depth >= MAX_DEPTH) {
                    return false;
                }
                int limit = in.pushLimit(in.readRawVarint32());
                if (!message(in, type.nested[number], payload, depth + 1)) {
                    return false;
                }
                in.popLimit(limit);
            }
            default -> in.skipField(tag); // numbers, enums, bytes: well-formed is enough
        }
        return true;
    }

    /**
     * Protobuf's own UTF-8 check, with ASCII (every sensor id and unit we have seen) answered without wrapping
     * the bytes first: the wrapper per string was ~8 % of the event loops' samples at 1,000 connections.
     */
    private static boolean isValidUtf8(byte[] bytes, int from, int length) {
        for (int i = from, end = from + length; i < end; i++) {
            if (bytes[i] < 0) {
                return UnsafeByteOperations.unsafeWrap(bytes, from, length).isValidUtf8();
            }
        }
        return true; // all below 0x80
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

    /** One message type's fields by number: what to check of each, and the tables of nested message types. */
    private static final class Fields {
        static final byte UNKNOWN = 0;
        static final byte STRING = 1;
        static final byte MESSAGE = 2;
        static final byte SCALAR = 3;
        /** Packed or group: left to the parser. */
        static final byte UNSURE = 4;

        final byte[] kinds;
        final int[] wireTypes;
        final Fields[] nested;

        private Fields(int size) {
            kinds = new byte[size];
            wireTypes = new int[size];
            nested = new Fields[size];
        }

        static Fields of(Descriptor type, Map<Descriptor, Fields> made) {
            Fields known = made.get(type);
            if (known != null) {
                return known; // a type that contains itself
            }
            int size = type.getFields().stream().mapToInt(FieldDescriptor::getNumber).max().orElse(0) + 1;
            Fields fields = new Fields(size);
            made.put(type, fields);
            for (FieldDescriptor field : type.getFields()) {
                int number = field.getNumber();
                fields.wireTypes[number] = field.getLiteType().getWireType();
                if (field.isPacked() || field.getType() == FieldDescriptor.Type.GROUP) {
                    fields.kinds[number] = UNSURE;
                } else if (field.getJavaType() == FieldDescriptor.JavaType.STRING) {
                    fields.kinds[number] = STRING;
                } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                    fields.kinds[number] = MESSAGE;
                    fields.nested[number] = of(field.getMessageType(), made);
                } else {
                    fields.kinds[number] = SCALAR;
                }
            }
            return fields;
        }
    }
}
