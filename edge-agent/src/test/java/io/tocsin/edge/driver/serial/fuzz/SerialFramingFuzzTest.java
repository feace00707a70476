package io.tocsin.edge.driver.serial.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tocsin.edge.driver.serial.LineFramer;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A serial port delivers bytes in reads of any size, and a panel on a noisy line prints anything. Whatever the
 * bytes and however they are split into reads, the framer must yield exactly the frames an independent reading
 * of the whole stream finds (terminator search from the start, or fixed-size pieces), with overlong garbage
 * dropped in {@link LineFramer#MAX_FRAME_BYTES}+1 byte pieces, and never more than that in memory.
 */
class SerialFramingFuzzTest {

    private static final byte[][] TERMINATORS = {{'\r', '\n'}, {'\n'}, {'\r'}, {0x03}, {'\r', '\n', '\r', '\n'},
        {'a', 'a'}};

    @FuzzTest(maxDuration = "10s")
    void framesDoNotDependOnHowBytesArrive(FuzzedDataProvider data) {
        boolean fixed = data.consumeBoolean();
        byte[] terminator = fixed ? null : data.pickValue(TERMINATORS);
        int fixedLength = fixed ? data.consumeInt(1, LineFramer.MAX_FRAME_BYTES) : 0;
        // Long runs without a terminator are what a wrong baud rate produces: let the fuzzer make them cheaply.
        int repeat = data.consumeInt(1, 600);
        byte[] unit = data.consumeBytes(64);
        byte[] tail = data.consumeRemainingAsBytes();
        ByteArrayOutputStream streamBytes = new ByteArrayOutputStream();
        for (int i = 0; i < repeat && unit.length > 0; i++) {
            streamBytes.writeBytes(unit);
        }
        streamBytes.writeBytes(tail);
        byte[] stream = streamBytes.toByteArray();

        List<byte[]> expected = fixed ? fixedPieces(stream, fixedLength) : terminated(stream, terminator);

        // The same stream, in reads whose sizes come from the stream itself (deterministic per input).
        LineFramer framer = new LineFramer(terminator, fixedLength);
        List<byte[]> frames = new ArrayList<>();
        int offset = 0;
        int read = 0;
        while (offset < stream.length) {
            int size = Math.min(stream.length - offset, 1 + ((stream[read++ % stream.length] & 0xFF) % 512));
            framer.accept(stream, offset, size, frames::add);
            offset += size;
        }

        assertThat(frames).as("frames").usingElementComparator(Arrays::compare).containsExactlyElementsOf(expected);
        assertThat(frames).allSatisfy(f -> assertThat(f.length).isLessThanOrEqualTo(LineFramer.MAX_FRAME_BYTES));
    }

    private static List<byte[]> fixedPieces(byte[] stream, int length) {
        List<byte[]> pieces = new ArrayList<>();
        for (int start = 0; start + length <= stream.length; start += length) {
            pieces.add(Arrays.copyOfRange(stream, start, start + length));
        }
        return pieces;
    }

    /** Leftmost terminator after the frame start ends the frame; a frame start that finds none within the limit
     *  loses MAX_FRAME_BYTES + 1 bytes and starts again. */
    private static List<byte[]> terminated(byte[] stream, byte[] terminator) {
        List<byte[]> frames = new ArrayList<>();
        int start = 0;
        while (true) {
            int end = indexOf(stream, terminator, start);
            int limit = start + LineFramer.MAX_FRAME_BYTES + 1; // bytes start .. limit-1 may hold a frame
            if (end >= 0 && end + terminator.length <= limit) {
                frames.add(Arrays.copyOfRange(stream, start, end));
                start = end + terminator.length;
            } else if (stream.length >= limit) {
                start = limit;
            } else {
                return frames;
            }
        }
    }

    private static int indexOf(byte[] stream, byte[] terminator, int from) {
        outer:
        for (int i = from; i + terminator.length <= stream.length; i++) {
            for (int j = 0; j < terminator.length; j++) {
                if (stream[i + j] != terminator[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
