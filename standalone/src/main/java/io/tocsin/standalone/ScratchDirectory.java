package io.tocsin.standalone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A directory that is deleted with everything in it when closed, such as the data of a benchmark's embedded Kafka
 * broker: a benchmark run writes gigabytes to Kafka's log, and left behind in the temporary directory a few dozen
 * runs fill the disk. {@link #deleteTree} alone serves those that keep their directory until the next run (the
 * demo's data, the cluster check's).
 */
public final class ScratchDirectory implements AutoCloseable {

    private final Path path;

    private ScratchDirectory(Path path) {
        this.path = path;
    }

    /** A new, empty directory under the system's temporary directory, its name starting with {@code prefix}. */
    public static ScratchDirectory create(String prefix) throws IOException {
        return new ScratchDirectory(Files.createTempDirectory(prefix));
    }

    public Path path() {
        return path;
    }

    /** Deletes the directory and everything in it. */
    @Override
    public void close() {
        try {
            deleteTree(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path, e);
        }
    }

    /** Deletes a file, or a directory with everything in it; nothing when it does not exist. */
    public static void deleteTree(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
