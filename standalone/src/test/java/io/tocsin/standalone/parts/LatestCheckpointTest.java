package io.tocsin.standalone.parts;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which checkpoint a restarted {@code tocsin jobs} resumes from. */
class LatestCheckpointTest {

    @TempDir
    Path dir;

    private void checkpoint(String job, int n, boolean complete, long modifiedMs) throws Exception {
        Path chk = Files.createDirectories(dir.resolve(job).resolve("chk-" + n));
        if (complete) {
            Files.setLastModifiedTime(Files.writeString(chk.resolve("_metadata"), "m"), FileTime.fromMillis(modifiedMs));
        }
    }

    @Test
    void theNewestCompleteCheckpointOfAnyEarlierRunIsChosen() throws Exception {
        assertThat(LatestCheckpoint.in(dir.resolve("missing"))).isEmpty();
        assertThat(LatestCheckpoint.in(dir)).isEmpty();
        checkpoint("job-run-1", 7, true, 1_000);
        checkpoint("job-run-2", 2, true, 2_000); // a later run restarts its numbering
        checkpoint("job-run-2", 3, false, 0); // being written when the process was killed
        Files.createDirectories(dir.resolve("job-run-2").resolve("shared"));
        assertThat(LatestCheckpoint.in(dir)).contains(dir.resolve("job-run-2").resolve("chk-2"));
    }
}
