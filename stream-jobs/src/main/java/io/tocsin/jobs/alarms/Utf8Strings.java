package io.tocsin.jobs.alarms;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Strings in the hand-written serializers' formats: an int length of the UTF-8 bytes (-1 for null), then the
 * bytes. Reading goes through a buffer of its own (Flink's {@code StringValue.readString} looks up a thread-local
 * buffer per string, a tenth of the rules task's time), so an instance belongs to one serializer instance, and
 * serializers holding one are duplicated per thread. Serializable with its serializer; the buffer is not.
 */
final class Utf8Strings implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Bytes of the string being read; grows to the longest string seen (null after deserialization). */
    private transient byte[] buffer;

    static void write(String s, DataOutputView out) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    String read(DataInputView in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        if (buffer == null || buffer.length < length) {
            buffer = new byte[Math.max(length, 64)];
        }
        in.readFully(buffer, 0, length);
        return new String(buffer, 0, length, StandardCharsets.UTF_8);
    }
}
