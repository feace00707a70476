package io.tocsin.edge.buffer;

import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import java.nio.file.Path;
import java.util.List;

/**
 * Child JVM of {@link DiskBufferTest}: appends batches as fast as it can and prints the sequence number of
 * each batch once {@link DiskBuffer#append} returned (committed), until it is killed.
 */
public final class BufferWriterProcess {

    public static void main(String[] args) {
        DiskBuffer buffer = DiskBuffer.open(Path.of(args[0]), DiskBuffer.Limits.ofBytes(1L << 30));
        for (long i = 0; ; i++) {
            long nowMs = 1_700_000_000_000L + i;
            List<Reading> readings = List.of(
                    Reading.newBuilder().setSensorId("gas-01").setTimestampMs(nowMs).setValue(i)
                            .setQuality(Quality.QUALITY_GOOD).setUnit("%LEL").build(),
                    Reading.newBuilder().setSensorId("gas-02").setTimestampMs(nowMs).setValue(-i)
                            .setQuality(Quality.QUALITY_GOOD).setUnit("%LEL").build());
            long sequence = buffer.append("park-1", "gw-1", Lane.TELEMETRY, readings).getSequence();
            System.out.println("committed " + sequence);
            System.out.flush();
        }
    }
}
