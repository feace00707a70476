package io.tocsin.edge.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskBufferTest {

    @TempDir
    Path dir;

    private static List<Reading> readings(String sensorId, double value) {
        return List.of(Reading.newBuilder().setSensorId(sensorId).setTimestampMs(1_000).setValue(value).build());
    }

    @Test
    void batchesSurviveReopenKeepTheirNumbersAndUrgentOnesComeFirst() {
        Path file = dir.resolve("buffer.db");
        try (DiskBuffer buffer = DiskBuffer.open(file, DiskBuffer.Limits.ofBytes(1 << 20))) {
            buffer.append("park-1", "gw-1", Lane.TELEMETRY, readings("gas-01", 1));
            buffer.append("park-1", "gw-1", Lane.TELEMETRY, readings("gas-01", 2));
            buffer.append("park-1", "gw-1", Lane.URGENT, readings("zone-3", 1));
        }
        try (DiskBuffer buffer = DiskBuffer.open(file, DiskBuffer.Limits.ofBytes(1 << 20))) {
            assertThat(buffer.batches()).isEqualTo(3);
            assertThat(buffer.urgentBatches()).isEqualTo(1);
            List<StoredBatch> head = buffer.head(10);
            assertThat(head).extracting(StoredBatch::lane).containsExactly(Lane.URGENT, Lane.TELEMETRY, Lane.TELEMETRY);
            assertThat(head).extracting(s -> s.batch().getSequence()).containsExactly(3L, 1L, 2L);

            buffer.remove(head.get(0));
            buffer.remove(head.get(1));
            assertThat(buffer.next()).get().extracting(s -> s.batch().getSequence()).isEqualTo(2L);
            assertThat(buffer.append("park-1", "gw-1", Lane.TELEMETRY, readings("gas-01", 3)).getSequence())
                    .as("numbering goes on after a restart").isEqualTo(4L);
            assertThat(buffer.bytes()).isEqualTo(head.get(2).batch().getSerializedSize()
                    + buffer.head(10).get(1).batch().getSerializedSize());
        }
    }

    @Test
    void aFullBufferDropsTheOldestTelemetryNeverAnUrgentBatchAndCountsWhatItDropped() {
        Path file = dir.resolve("buffer.db");
        try (DiskBuffer buffer = DiskBuffer.open(file, DiskBuffer.Limits.ofBatches(3))) {
            buffer.append("park-1", "gw-1", Lane.URGENT, readings("zone-1", 1)); // 1
            buffer.append("park-1", "gw-1", Lane.TELEMETRY, readings("gas-01", 1)); // 2
            buffer.append("park-1", "gw-1", Lane.TELEMETRY, readings("gas-01", 2)); // 3
            buffer.append("park-1", "gw-1", Lane.TELEMETRY, readings("gas-01", 3)); // 4 drops 2
            buffer.append("park-1", "gw-1", Lane.URGENT, readings("zone-2", 1)); // 5 drops 3

            assertThat(buffer.head(10)).extracting(s -> s.batch().getSequence()).containsExactly(1L, 5L, 4L);
            buffer.append("park-1", "gw-1", Lane.URGENT, readings("zone-3", 1)); // 6 drops 4
            buffer.append("park-1", "gw-1", Lane.URGENT, readings("zone-4", 1)); // 7: nothing left to drop
            assertThat(buffer.head(10)).extracting(s -> s.batch().getSequence()).containsExactly(1L, 5L, 6L, 7L);
            assertThat(buffer.droppedBatches()).isEqualTo(3);
            assertThat(buffer.droppedReadings()).isEqualTo(3);
        }
        try (DiskBuffer reopened = DiskBuffer.open(file, DiskBuffer.Limits.ofBatches(3))) {
            assertThat(reopened.droppedBatches()).as("the counter survives a restart").isEqualTo(3);
        }
    }

    @Test
    void aWriterKilledWithSigkillLeavesASoundBufferWithEveryCommittedBatchInOrder() throws Exception {
        Path file = dir.resolve("killed.db");
        Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), BufferWriterProcess.class.getName(), file.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long lastCommitted = 0;
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(writer.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            while (lastCommitted < 300 && (line = out.readLine()) != null) {
                if (line.startsWith("committed ")) { // other lines are the child's log
                    lastCommitted = Long.parseLong(line.substring("committed ".length()));
                }
            }
            writer.destroyForcibly(); // SIGKILL, in the middle of the next commits
            assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(lastCommitted).as("the writer committed batches before it was killed").isEqualTo(300);

        try (DiskBuffer reopened = DiskBuffer.open(file, DiskBuffer.Limits.ofBytes(1L << 30))) {
            assertThat(reopened.integrityCheck()).isEqualTo("ok");
            List<StoredBatch> all = reopened.head(Integer.MAX_VALUE);
            long kept = all.size();
            assertThat(kept).as("every batch reported committed is still there").isGreaterThanOrEqualTo(lastCommitted);
            assertThat(all).extracting(s -> s.batch().getSequence())
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, kept).boxed().toList());
            for (StoredBatch stored : all) {
                TelemetryBatch batch = stored.batch();
                long i = batch.getSequence() - 1;
                assertThat(batch.getReadingsList()).extracting(Reading::getValue).containsExactly((double) i,
                        (double) -i);
            }
            assertThat(reopened.append("park-1", "gw-1", Lane.TELEMETRY, readings("gas-01", 0)).getSequence())
                    .isEqualTo(kept + 1);
        }
    }
}
