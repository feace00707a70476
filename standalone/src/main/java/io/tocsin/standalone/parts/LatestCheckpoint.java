package io.tocsin.standalone.parts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds the checkpoint a restarted job resumes from, in Flink's layout {@code <dir>/<job id>/chk-<n>/_metadata}.
 * A checkpoint is complete once its {@code _metadata} is written (Flink writes it last); a process killed in the
 * middle of a checkpoint leaves a {@code chk-<n>} without it, which is skipped. Each run of a job has a new job id,
 * so the newest {@code _metadata} across all job folders is the latest state.
 */
public final class LatestCheckpoint {

    private static final Pattern CHECKPOINT_FOLDER = Pattern.compile("chk-\\d+");

    private LatestCheckpoint() {
    }

    /** The newest complete checkpoint folder under {@code jobCheckpoints}, if any. */
    public static Optional<Path> in(Path jobCheckpoints) {
        if (!Files.isDirectory(jobCheckpoints)) {
            return Optional.empty();
        }
        try (Stream<Path> jobs = Files.list(jobCheckpoints)) {
            return jobs.filter(Files::isDirectory)
                    .flatMap(LatestCheckpoint::checkpointsOf)
                    .filter(chk -> Files.isRegularFile(chk.resolve("_metadata")))
                    .max(Comparator.comparing(LatestCheckpoint::metadataTime)
                            .thenComparing(LatestCheckpoint::number));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + jobCheckpoints, e);
        }
    }

    private static Stream<Path> checkpointsOf(Path jobFolder) {
        try (Stream<Path> children = Files.list(jobFolder)) {
            return children.filter(p -> CHECKPOINT_FOLDER.matcher(p.getFileName().toString()).matches()).toList()
                    .stream();
        } catch (IOException e) {
            return Stream.empty(); // deleted by Flink meanwhile (a newer checkpoint replaced it)
        }
    }

    private static FileTime metadataTime(Path checkpoint) {
        try {
            return Files.getLastModifiedTime(checkpoint.resolve("_metadata"));
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static long number(Path checkpoint) {
        return Long.parseLong(checkpoint.getFileName().toString().substring(4));
    }
}
