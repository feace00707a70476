package io.tocsin.edge.driver.serial;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Cuts the bytes of a serial port into frames, whatever the size of each read: by terminator (the frame is what
 * precedes it; the terminator is dropped) or by fixed length. Bytes are collected across reads, so a multi-byte
 * character split between two reads reaches the decoder whole.
 *
 * <p>A frame that grows past {@link #MAX_FRAME_BYTES} without its terminator (wrong framing or baud rate) is
 * discarded and counted, and framing starts again with the next byte.
 */
public final class LineFramer {

    public static final int MAX_FRAME_BYTES = 4_096;

    private final byte[] terminator;
    private final int fixedLength;
    private final byte[] frame;
    private int size;
    private long overlongDiscarded;

    /** Exactly one of {@code terminator} (non-empty) or {@code fixedLength} (1 .. MAX_FRAME_BYTES). */
    public LineFramer(byte[] terminator, int fixedLength) {
        boolean byTerminator = terminator != null && terminator.length > 0;
        if (byTerminator == (fixedLength > 0)) {
            throw new IllegalArgumentException("serial framing: set either a terminator or a fixed length");
        }
        if (fixedLength > MAX_FRAME_BYTES || (byTerminator && terminator.length > MAX_FRAME_BYTES)) {
            throw new IllegalArgumentException("serial framing: frames are at most " + MAX_FRAME_BYTES + " bytes");
        }
        this.terminator = byTerminator ? terminator.clone() : new byte[0];
        this.fixedLength = byTerminator ? 0 : fixedLength;
        // One byte more than a frame may hold: the byte that makes it overlong is stored, then all is dropped.
        this.frame = new byte[MAX_FRAME_BYTES + 1];
    }

    /** Adds {@code length} bytes of {@code chunk} from {@code offset}; each completed frame goes to {@code frames}. */
    public void accept(byte[] chunk, int offset, int length, Consumer<byte[]> frames) {
        for (int i = offset; i < offset + length; i++) {
            frame[size++] = chunk[i];
            if (complete()) {
                frames.accept(Arrays.copyOf(frame, fixedLength > 0 ? size : size - terminator.length));
                size = 0;
            } else if (size > MAX_FRAME_BYTES) {
                overlongDiscarded++;
                size = 0;
            }
        }
    }

    /** Frames dropped for growing past {@link #MAX_FRAME_BYTES} without a terminator. */
    public long overlongDiscarded() {
        return overlongDiscarded;
    }

    private boolean complete() {
        if (fixedLength > 0) {
            return size == fixedLength;
        }
        if (size < terminator.length) {
            return false;
        }
        return Arrays.equals(frame, size - terminator.length, size, terminator, 0, terminator.length);
    }
}
