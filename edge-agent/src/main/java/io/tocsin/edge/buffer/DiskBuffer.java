package io.tocsin.edge.buffer;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store-and-forward buffer of a gateway: every batch is committed here, durably, before it is sent,
 * and removed only once the platform acknowledged it.
 *
 * <p>Why SQLite (xerial sqlite-jdbc) rather than a file format of our own: its commit is atomic and
 * survives kill -9 and power loss (it is tested for exactly that far beyond what we could test), it
 * recovers by itself when reopened, and an operator can inspect a buffer with the {@code sqlite3} shell.
 * Why WAL mode: a commit appends to the write-ahead log and needs a single fsync instead of the rollback
 * journal's several; a commit torn by a crash fails its checksum and is discarded on reopen, so the buffer
 * comes back at its last complete commit. {@code synchronous=FULL} makes every commit reach the disk before
 * {@link #append} returns (NORMAL would survive a process crash but could lose the last commits on power
 * loss, and power cuts are what gateways see). {@code locking_mode=EXCLUSIVE} keeps a second agent that was
 * given the same file by mistake from sending the same batches twice.
 *
 * <p>Sequence numbers are assigned here, in the same transaction as the batch, so they keep counting
 * across restarts and a batch keeps its number however often it is resent.
 *
 * <p>When full (more than {@code maxBytes} of payload or {@code maxBatches} batches), the oldest
 * telemetry batches are deleted and counted; urgent batches (alarms, events) are never deleted, even if
 * that means going over the bound. The same policy applies when the file system runs out of room before that
 * bound (see {@link #append}).
 *
 * <p>Thread safety: every method is synchronized on the buffer (one JDBC connection).
 */
public final class DiskBuffer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DiskBuffer.class);

    /**
     * Appends between two checkpoints of our own (SQLite's automatic one comes only every 1000 pages): often enough
     * that a database file that cannot grow is noticed while the write-ahead log still has room.
     */
    private static final int CHECKPOINT_EVERY_COMMITS = 8;

    /** How much a buffer may hold before it drops the oldest telemetry. */
    public record Limits(long maxBytes, int maxBatches) {
        public Limits {
            if (maxBytes <= 0 || maxBatches <= 0) {
                throw new IllegalArgumentException("buffer limits must be positive: " + maxBytes + " bytes, "
                        + maxBatches + " batches");
            }
        }

        public static Limits ofBytes(long maxBytes) {
            return new Limits(maxBytes, Integer.MAX_VALUE);
        }

        public static Limits ofBatches(int maxBatches) {
            return new Limits(Long.MAX_VALUE, maxBatches);
        }
    }

    private final String description;
    private final Connection db;
    private final Limits limits;
    private PreparedStatement readSequence;
    private PreparedStatement writeSequence;
    private PreparedStatement insert;
    private PreparedStatement selectHead;
    private PreparedStatement selectOldestTelemetry;
    private PreparedStatement delete;
    private PreparedStatement addToCounter;
    private long bytes;
    private int batches;
    private int urgentBatches;
    private long droppedBatches;
    private long droppedReadings;
    private long unsavedDroppedBatches;
    private long unsavedDroppedReadings;
    private boolean diskFull;
    private int commitsSinceCheckpoint;
    private long diskFullErrors;
    private long diskFullEpisodes;

    /** Opens (or creates) the buffer in {@code file}. */
    public static DiskBuffer open(Path file, Limits limits) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (java.io.IOException e) {
            throw new BufferException("cannot create the directory of buffer " + file, e);
        }
        return new DiskBuffer("jdbc:sqlite:" + file.toAbsolutePath(), file.toString(), limits);
    }

    /** A buffer that lives in memory only (tests and demos): same behaviour, lost on exit. */
    public static DiskBuffer inMemory(Limits limits) {
        return new DiskBuffer("jdbc:sqlite::memory:", "memory", limits);
    }

    private DiskBuffer(String url, String description, Limits limits) {
        this.description = description;
        this.limits = limits;
        try {
            db = DriverManager.getConnection(url);
            try (Statement s = db.createStatement()) {
                // Only takes effect on a new file (before the first table): lets a full disk get pages back.
                s.execute("PRAGMA auto_vacuum=INCREMENTAL");
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA locking_mode=EXCLUSIVE");
                s.execute("PRAGMA busy_timeout=0");
                s.execute("CREATE TABLE IF NOT EXISTS batch ("
                        + " id INTEGER PRIMARY KEY AUTOINCREMENT,"
                        + " lane INTEGER NOT NULL,"
                        + " site_id TEXT NOT NULL,"
                        + " device_id TEXT NOT NULL,"
                        + " sequence INTEGER NOT NULL,"
                        + " readings INTEGER NOT NULL,"
                        + " payload BLOB NOT NULL)");
                s.execute("CREATE INDEX IF NOT EXISTS batch_by_lane ON batch (lane, id)");
                s.execute("CREATE TABLE IF NOT EXISTS device_sequence ("
                        + " site_id TEXT NOT NULL, device_id TEXT NOT NULL, next INTEGER NOT NULL,"
                        + " PRIMARY KEY (site_id, device_id))");
                s.execute("CREATE TABLE IF NOT EXISTS counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL)");
            }
            db.setAutoCommit(false);
            prepareStatements();
            loadTotals();
            db.commit();
        } catch (SQLException e) {
            throw new BufferException("cannot open buffer " + description + ": " + e.getMessage(), e);
        }
        log.info("Buffer {} open: {} batches ({} urgent), {} bytes waiting", description, batches, urgentBatches,
                bytes);
    }

    private void prepareStatements() throws SQLException {
        readSequence = db.prepareStatement("SELECT next FROM device_sequence WHERE site_id = ? AND device_id = ?");
        writeSequence = db.prepareStatement(
                "INSERT OR REPLACE INTO device_sequence (site_id, device_id, next) VALUES (?, ?, ?)");
        insert = db.prepareStatement("INSERT INTO batch (lane, site_id, device_id, sequence, readings, payload)"
                + " VALUES (?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS);
        selectHead = db.prepareStatement("SELECT id, lane, payload FROM batch ORDER BY lane, id LIMIT ?");
        selectOldestTelemetry = db.prepareStatement(
                "SELECT id, readings, length(payload) FROM batch WHERE lane = " + Lane.TELEMETRY.code
                        + " ORDER BY id LIMIT 64");
        delete = db.prepareStatement("DELETE FROM batch WHERE id = ?");
        addToCounter = db.prepareStatement("INSERT INTO counter (name, value) VALUES (?, ?)"
                + " ON CONFLICT (name) DO UPDATE SET value = value + excluded.value");
    }

    private void loadTotals() throws SQLException {
        try (Statement s = db.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*), coalesce(sum(length(payload)), 0),"
                    + " coalesce(sum(lane = " + Lane.URGENT.code + "), 0) FROM batch")) {
                rs.next();
                batches = rs.getInt(1);
                bytes = rs.getLong(2);
                urgentBatches = rs.getInt(3);
            }
            try (ResultSet rs = s.executeQuery("SELECT name, value FROM counter")) {
                while (rs.next()) {
                    switch (rs.getString(1)) {
                        case "dropped_batches" -> droppedBatches = rs.getLong(2);
                        case "dropped_readings" -> droppedReadings = rs.getLong(2);
                        default -> { }
                    }
                }
            }
        }
    }

    /**
     * Numbers the readings as the next batch of {@code siteId/deviceId} and commits it durably; returns
     * the batch as it will be sent. Makes room first by dropping the oldest telemetry if the buffer is full.
     *
     * <p>When the file system itself has no room (SQLite reports SQLITE_FULL, or an I/O error on write, which is
     * how a file-size limit shows), the same drop policy applies: the write-ahead log is checkpointed and
     * truncated, then the oldest telemetry batches are deleted (1, 2, 4 ... at a time; their pages are reused) and
     * the append is retried. If that is not enough the append throws {@link DiskFullException}: a telemetry batch
     * is then counted as dropped, an urgent one must be kept by the caller.
     */
    public synchronized TelemetryBatch append(String siteId, String deviceId, Lane lane, List<Reading> readings) {
        SQLException failure;
        try {
            TelemetryBatch batch = insertAndCommit(siteId, deviceId, lane, readings);
            committed();
            return batch;
        } catch (SQLException e) {
            rollbackQuietly();
            if (!isNoRoom(e)) {
                throw new BufferException("cannot append to buffer " + description + ": " + e.getMessage(), e);
            }
            failure = e;
        }
        noRoom(failure);
        int dropStep = 1;
        while (true) {
            checkpoint();
            try {
                return insertAndCommit(siteId, deviceId, lane, readings);
            } catch (SQLException e) {
                rollbackQuietly();
                if (!isNoRoom(e)) {
                    throw new BufferException("cannot append to buffer " + description + ": " + e.getMessage(), e);
                }
                failure = e;
            }
            if (!dropOldestTelemetry(dropStep)) {
                break;
            }
            dropStep = Math.min(dropStep * 2, 64);
        }
        if (lane == Lane.TELEMETRY) {
            // Counted now, persisted with the next commit that succeeds.
            droppedBatches++;
            droppedReadings += readings.size();
            unsavedDroppedBatches++;
            unsavedDroppedReadings += readings.size();
        }
        throw new DiskFullException("buffer " + description + " has no room for a " + lane + " batch of "
                + readings.size() + " reading(s) even without telemetry: " + failure.getMessage(), failure);
    }

    /**
     * After each commit that went through: checkpoint every few commits, and after every one while the file system
     * is full. Removals count as much as appends: once the uplink is back they are most of the writes, and a log
     * that grew past the file system's room with no checkpoint between could no longer record even a delete (seen
     * once before removals counted: every removal of acknowledged batches failed for a minute).
     */
    private void committed() {
        if (diskFull || ++commitsSinceCheckpoint >= CHECKPOINT_EVERY_COMMITS) {
            commitsSinceCheckpoint = 0;
            checkpointOrMakeRoom();
        }
    }

    private TelemetryBatch insertAndCommit(String siteId, String deviceId, Lane lane, List<Reading> readings)
            throws SQLException {
        long sequence = 1;
        readSequence.setString(1, siteId);
        readSequence.setString(2, deviceId);
        try (ResultSet rs = readSequence.executeQuery()) {
            if (rs.next()) {
                sequence = rs.getLong(1);
            }
        }
        TelemetryBatch batch = TelemetryBatch.newBuilder().setSiteId(siteId).setDeviceId(deviceId)
                .setSequence(sequence).addAllReadings(readings).build();
        byte[] payload = batch.toByteArray();
        writeSequence.setString(1, siteId);
        writeSequence.setString(2, deviceId);
        writeSequence.setLong(3, sequence + 1);
        writeSequence.executeUpdate();
        insert.setInt(1, lane.code);
        insert.setString(2, siteId);
        insert.setString(3, deviceId);
        insert.setLong(4, sequence);
        insert.setInt(5, readings.size());
        insert.setBytes(6, payload);
        insert.executeUpdate();
        long insertedId;
        try (ResultSet keys = insert.getGeneratedKeys()) {
            keys.next();
            insertedId = keys.getLong(1);
        }
        long[] dropped = dropOldestTelemetryToFit(insertedId, payload.length);
        long savedBatches = unsavedDroppedBatches;
        long savedReadings = unsavedDroppedReadings;
        if (savedBatches > 0) {
            addToCounters(savedBatches, savedReadings);
        }
        db.commit();
        unsavedDroppedBatches -= savedBatches;
        unsavedDroppedReadings -= savedReadings;
        bytes += payload.length - dropped[2];
        batches += 1 - (int) dropped[0];
        if (lane == Lane.URGENT) {
            urgentBatches++;
        }
        if (dropped[0] > 0) {
            droppedBatches += dropped[0];
            droppedReadings += dropped[1];
            log.warn("Buffer {} full: dropped the {} oldest telemetry batch(es), {} readings ({} dropped in all)",
                    description, dropped[0], dropped[1], droppedReadings);
        }
        return batch;
    }

    /** SQLITE_FULL, or an I/O error (how EFBIG of a file-size limit and failed writes show): no room to write. */
    private static boolean isNoRoom(SQLException e) {
        int primary = e.getErrorCode() & 0xff;
        return primary == 13 /* SQLITE_FULL */ || primary == 10 /* SQLITE_IOERR */;
    }

    /** Counts a write that found no room; the first of an episode is logged at WARN, the others are not. */
    private void noRoom(SQLException failure) {
        diskFullErrors++;
        if (!diskFull) {
            diskFull = true;
            diskFullEpisodes++;
            log.warn("Buffer {}: the file system has no room ({}); dropping the oldest telemetry to make room,"
                    + " urgent batches are kept", description, failure.getMessage());
        }
    }

    /**
     * Moves the write-ahead log into the database file every few commits. A checkpoint that fails for lack of room
     * means the database file cannot grow: telemetry is dropped (and the file shrunk) now, while the log still has
     * room for the deletes. Waiting for the log itself to fill would leave no room even to delete.
     */
    private void checkpointOrMakeRoom() {
        SQLException failure = checkpoint();
        if (failure == null) {
            if (diskFull) {
                diskFull = false;
                log.info("Buffer {} has room again ({} write(s) found none in all)", description, diskFullErrors);
            }
            return;
        }
        if (!isNoRoom(failure)) {
            log.warn("Checkpoint of buffer {} failed: {}", description, failure.getMessage());
            return;
        }
        noRoom(failure);
        int dropStep = 1;
        while (failure != null && dropOldestTelemetry(dropStep)) {
            failure = checkpoint();
            dropStep = Math.min(dropStep * 2, 64);
        }
    }

    /**
     * Moves the write-ahead log into the database and truncates it (the log's space is the first room to win);
     * returns the failure, or null.
     */
    private SQLException checkpoint() {
        SQLException failure = null;
        try {
            db.setAutoCommit(true);
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            }
        } catch (SQLException e) {
            log.debug("Checkpoint of buffer {} failed: {}", description, e.toString());
            failure = e;
        } finally {
            try {
                db.setAutoCommit(false);
            } catch (SQLException e) {
                log.debug("Buffer {}: cannot leave auto-commit: {}", description, e.toString());
            }
        }
        return failure;
    }

    /** Deletes up to {@code max} of the oldest telemetry batches in one commit, counted; false if none went. */
    private boolean dropOldestTelemetry(int max) {
        try {
            List<long[]> victims = new ArrayList<>();
            try (ResultSet rs = selectOldestTelemetry.executeQuery()) {
                while (rs.next() && victims.size() < max) {
                    victims.add(new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)});
                }
            }
            if (victims.isEmpty()) {
                db.commit();
                return false;
            }
            long readingCount = 0;
            long byteCount = 0;
            for (long[] victim : victims) {
                delete.setLong(1, victim[0]);
                delete.executeUpdate();
                readingCount += victim[1];
                byteCount += victim[2];
            }
            addToCounters(victims.size(), readingCount);
            try (Statement s = db.createStatement()) {
                // Gives the freed pages back to the file system: a checkpoint then no longer has to write the
                // pages beyond the end of a database file that cannot grow.
                // Through sqlite-jdbc each execution frees one page: repeat until the free list is empty.
                while (freePages(s) > 0) {
                    s.execute("PRAGMA incremental_vacuum");
                }
            }
            if (log.isDebugEnabled()) {
                try (Statement s = db.createStatement();
                     ResultSet pages = s.executeQuery("SELECT * FROM pragma_page_count, pragma_freelist_count")) {
                    pages.next();
                    log.debug("Buffer {}: dropped {} telemetry batch(es), {} pages left, {} free", description,
                            victims.size(), pages.getLong(1), pages.getLong(2));
                }
            }
            db.commit();
            batches -= victims.size();
            bytes -= byteCount;
            droppedBatches += victims.size();
            droppedReadings += readingCount;
            return true;
        } catch (SQLException e) {
            rollbackQuietly();
            log.debug("Buffer {}: cannot drop telemetry to make room: {}", description, e.toString());
            return false;
        }
    }

    private static long freePages(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("PRAGMA freelist_count")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private void addToCounters(long batchCount, long readingCount) throws SQLException {
        addToCounter.setString(1, "dropped_batches");
        addToCounter.setLong(2, batchCount);
        addToCounter.executeUpdate();
        addToCounter.setString(1, "dropped_readings");
        addToCounter.setLong(2, readingCount);
        addToCounter.executeUpdate();
    }

    /** Deletes oldest telemetry rows until the new row fits; returns {batches, readings, bytes} deleted. */
    private long[] dropOldestTelemetryToFit(long insertedId, int newBytes) throws SQLException {
        long droppedRows = 0;
        long droppedReadingCount = 0;
        long droppedByteCount = 0;
        while (overLimit(bytes + newBytes - droppedByteCount, batches + 1 - droppedRows)) {
            List<long[]> victims = new ArrayList<>();
            try (ResultSet rs = selectOldestTelemetry.executeQuery()) {
                while (rs.next()) {
                    victims.add(new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)});
                }
            }
            // The batch just inserted is the newest telemetry row: it is never its own victim unless it
            // alone is over the limit, and then keeping it is better than keeping nothing.
            boolean progressed = false;
            for (long[] victim : victims) {
                if (!overLimit(bytes + newBytes - droppedByteCount, batches + 1 - droppedRows)
                        || victim[0] == insertedId) {
                    break;
                }
                delete.setLong(1, victim[0]);
                delete.executeUpdate();
                droppedRows++;
                droppedReadingCount += victim[1];
                droppedByteCount += victim[2];
                progressed = true;
            }
            if (!progressed) {
                break; // only urgent batches (and the new one) left: never dropped
            }
        }
        if (droppedRows > 0) {
            addToCounters(droppedRows, droppedReadingCount);
        }
        return new long[] {droppedRows, droppedReadingCount, droppedByteCount};
    }

    private boolean overLimit(long totalBytes, long totalBatches) {
        return totalBytes > limits.maxBytes() || totalBatches > limits.maxBatches();
    }

    /** The batch to send next: the oldest urgent one, else the oldest telemetry one. */
    public synchronized Optional<StoredBatch> next() {
        List<StoredBatch> head = head(1);
        return head.isEmpty() ? Optional.empty() : Optional.of(head.get(0));
    }

    /** Up to {@code max} batches in sending order (urgent first, then oldest first). */
    public synchronized List<StoredBatch> head(int max) {
        try {
            selectHead.setInt(1, max);
            List<StoredBatch> result = new ArrayList<>();
            try (ResultSet rs = selectHead.executeQuery()) {
                while (rs.next()) {
                    result.add(new StoredBatch(rs.getLong(1), Lane.ofCode(rs.getInt(2)),
                            TelemetryBatch.parseFrom(rs.getBytes(3))));
                }
            }
            db.commit();
            return result;
        } catch (SQLException | InvalidProtocolBufferException e) {
            rollbackQuietly();
            throw new BufferException("cannot read buffer " + description + ": " + e.getMessage(), e);
        }
    }

    /** Removes an acknowledged batch (a no-op if it was dropped meanwhile). */
    public synchronized void remove(StoredBatch stored) {
        remove(List.of(stored));
    }

    /**
     * Removes acknowledged batches in one transaction (those dropped meanwhile are skipped): a backlog sent as
     * one publish is acknowledged at once, and one commit per batch would cost a file sync each.
     */
    public synchronized void remove(List<StoredBatch> acknowledged) {
        try {
            removeAndCommit(acknowledged);
        } catch (SQLException e) {
            rollbackQuietly();
            if (!isNoRoom(e)) {
                throw new BufferException("cannot remove batches from buffer " + description + ": " + e.getMessage(),
                        e);
            }
            noRoom(e);
            // A delete needs room in the write-ahead log too: checkpoint (the log's space is the first room to
            // win), then one batch per commit, the smallest write there is. Nothing is dropped for a removal: the
            // oldest telemetry is what was just acknowledged, and counting it as dropped would be a lie.
            for (StoredBatch stored : acknowledged) {
                checkpoint();
                try {
                    removeAndCommit(List.of(stored));
                } catch (SQLException again) {
                    rollbackQuietly();
                    throw new DiskFullException("cannot remove batches from buffer " + description + ": "
                            + again.getMessage(), again);
                }
            }
        }
        committed();
    }

    private void removeAndCommit(List<StoredBatch> acknowledged) throws SQLException {
        int removedBatches = 0;
        long removedBytes = 0;
        int removedUrgent = 0;
        for (StoredBatch stored : acknowledged) {
            delete.setLong(1, stored.id());
            if (delete.executeUpdate() == 1) {
                removedBatches++;
                removedBytes += stored.batch().getSerializedSize();
                if (stored.lane() == Lane.URGENT) {
                    removedUrgent++;
                }
            }
        }
        db.commit();
        batches -= removedBatches;
        bytes -= removedBytes;
        urgentBatches -= removedUrgent;
    }

    /** Runs SQLite's own consistency check; "ok" when the file is sound. */
    public synchronized String integrityCheck() {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            rs.next();
            String result = rs.getString(1);
            db.commit();
            return result;
        } catch (SQLException e) {
            throw new BufferException("cannot check buffer " + description + ": " + e.getMessage(), e);
        }
    }

    public synchronized int batches() {
        return batches;
    }

    public synchronized int urgentBatches() {
        return urgentBatches;
    }

    public synchronized long bytes() {
        return bytes;
    }

    /** Telemetry batches dropped because the buffer was full, since the file was created. */
    public synchronized long droppedBatches() {
        return droppedBatches;
    }

    /** Readings in those dropped batches. */
    public synchronized long droppedReadings() {
        return droppedReadings;
    }

    /** Writes (appends, removals, checkpoints) that found no room on the file system, since open. */
    public synchronized long diskFullErrors() {
        return diskFullErrors;
    }

    /** Times the buffer ran out of file-system room since open (one WARN each). */
    public synchronized long diskFullEpisodes() {
        return diskFullEpisodes;
    }

    /** Whether the last append found the file system full (until an append succeeds at its first try). */
    public synchronized boolean diskFull() {
        return diskFull;
    }

    /**
     * Rolls back after a failed statement and makes the connection usable again. After a failed write (seen with
     * SQLITE_IOERR_WRITE under a file-size limit) SQLite has already rolled the transaction back itself and
     * sqlite-jdbc has released the prepared statements: without a fresh transaction and fresh statements every
     * later call would fail ("cannot commit - no transaction is active", "statement is not executing").
     */
    private void rollbackQuietly() {
        try {
            db.rollback();
        } catch (SQLException e) {
            log.debug("Rollback of buffer {} failed: {}", description, e.toString());
        }
        try {
            db.setAutoCommit(true);
        } catch (SQLException e) {
            log.debug("Buffer {}: no transaction to end: {}", description, e.toString());
        }
        try {
            db.setAutoCommit(false);
        } catch (SQLException e) {
            log.debug("Buffer {}: cannot restart the transaction: {}", description, e.toString());
        }
        for (PreparedStatement statement : List.of(readSequence, writeSequence, insert, selectHead,
                selectOldestTelemetry, delete, addToCounter)) {
            try {
                statement.close();
            } catch (SQLException e) {
                log.debug("Buffer {}: cannot close a statement: {}", description, e.toString());
            }
        }
        try {
            prepareStatements();
        } catch (SQLException e) {
            log.debug("Buffer {}: cannot prepare the statements again: {}", description, e.toString());
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            log.warn("Buffer {} did not close cleanly: {}", description, e.toString());
        }
    }
}
