package io.tocsin.ingest.notify;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The notifications already delivered, remembered across restarts so that a replayed alarm event (a Flink restore
 * re-emits the events since its last checkpoint; Kafka redelivers what was not committed) is not sent again.
 *
 * <p>Bounded: the newest {@code capacity} keys are kept, oldest forgotten first (a replay reaches back seconds to
 * minutes, not days). Stored as an append-only file of one key a line, forced to disk before {@link #add} returns;
 * when it holds twice the capacity it is rewritten with the live keys (to a temporary file, then an atomic move, so
 * a crash leaves the old or the new file, never half of one).
 */
final class DeliveredKeys implements AutoCloseable {

    static final String FILE_NAME = "delivered-keys.log";

    private final Path file;
    private final int capacity;
    private final LinkedHashSet<String> keys = new LinkedHashSet<>();
    private FileChannel channel;
    private long linesInFile;

    DeliveredKeys(Path directory, int capacity) throws IOException {
        this.capacity = capacity;
        Files.createDirectories(directory);
        this.file = directory.resolve(FILE_NAME);
        if (Files.exists(file)) {
            // A crash mid-append can leave a partial last line: it is then an unknown key, i.e. at worst one
            // notification sent twice, never one lost.
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (String line : lines) {
                if (!line.isEmpty()) {
                    remember(line);
                }
            }
            linesInFile = lines.size();
        }
        channel = open();
        if (linesInFile > 2L * capacity) {
            compact();
        }
    }

    synchronized boolean contains(DeliveryKey key) {
        return keys.contains(key.asString());
    }

    /** Records a delivery, durably. */
    synchronized void add(DeliveryKey key) throws IOException {
        String line = key.asString();
        if (!remember(line)) {
            return;
        }
        ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        channel.force(false);
        if (++linesInFile > 2L * capacity) {
            compact();
        }
    }

    synchronized int size() {
        return keys.size();
    }

    private boolean remember(String line) {
        if (!keys.add(line)) {
            return false;
        }
        if (keys.size() > capacity) {
            var oldest = keys.iterator();
            oldest.next();
            oldest.remove();
        }
        return true;
    }

    private void compact() throws IOException {
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            StringBuilder all = new StringBuilder();
            keys.forEach(k -> all.append(k).append('\n'));
            ByteBuffer bytes = ByteBuffer.wrap(all.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
            out.force(true);
        }
        channel.close();
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        linesInFile = keys.size();
        channel = open();
    }

    private FileChannel open() throws IOException {
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
