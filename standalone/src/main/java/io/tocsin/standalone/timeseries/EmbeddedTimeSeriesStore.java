package io.tocsin.standalone.timeseries;

import io.questdb.ServerMain;
import io.tocsin.jobs.timeseries.AlarmEventLines;
import io.tocsin.jobs.timeseries.ReadingLines;
import io.tocsin.jobs.timeseries.RollupLines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import io.tocsin.standalone.LoopbackPorts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The time-series store of the embedded default: QuestDB running inside this JVM, which accepts the InfluxDB v2
 * write API ({@code /api/v2/write}). The time-series job writes to it with influxdb-client-java, exactly as it
 * writes to an InfluxDB 2.x/3.x server in a city deployment.
 *
 * <p>The tables are created up front with deduplication keys: a row replayed after a restart overwrites itself,
 * as it does in InfluxDB, instead of being stored twice.
 */
public final class EmbeddedTimeSeriesStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedTimeSeriesStore.class);

    /**
     * The tables the time-series job writes, each deduplicated on what identifies one of its rows, so a replay
     * overwrites instead of doubling (InfluxDB does the same by series and timestamp).
     */
    private static final List<String> TABLES = List.of(
            "CREATE TABLE IF NOT EXISTS " + ReadingLines.MEASUREMENT
                    + " (site SYMBOL, device SYMBOL, sensor SYMBOL, quality VARCHAR, value DOUBLE, timestamp TIMESTAMP)"
                    + " TIMESTAMP(timestamp) PARTITION BY DAY WAL DEDUP UPSERT KEYS(timestamp, site, sensor)",
            "CREATE TABLE IF NOT EXISTS " + RollupLines.MEASUREMENT
                    + " (site SYMBOL, sensor SYMBOL, min DOUBLE, max DOUBLE, mean DOUBLE, last DOUBLE, count LONG,"
                    + " timestamp TIMESTAMP) TIMESTAMP(timestamp) PARTITION BY DAY WAL"
                    + " DEDUP UPSERT KEYS(timestamp, site, sensor)",
            "CREATE TABLE IF NOT EXISTS " + AlarmEventLines.MEASUREMENT
                    + " (site SYMBOL, sensor SYMBOL, rule SYMBOL, alarm_id SYMBOL, state SYMBOL,"
                    + " escalation_level SYMBOL, severity VARCHAR, kind VARCHAR, cause VARCHAR, value DOUBLE,"
                    + " threshold DOUBLE, activation LONG, actor VARCHAR, comment VARCHAR, stations VARCHAR,"
                    + " zone VARCHAR, rule_set_version VARCHAR, timestamp TIMESTAMP) TIMESTAMP(timestamp)"
                    + " PARTITION BY DAY WAL DEDUP UPSERT KEYS(timestamp, alarm_id, state, escalation_level)");

    /** QuestDB's own system property naming its log configuration file. */
    private static final String QUESTDB_LOG_CONFIG_PROPERTY = "out";

    private final ServerMain server;
    private final int httpPort;
    private final StoreSql sql;

    private EmbeddedTimeSeriesStore(ServerMain server, int httpPort) {
        this.server = server;
        this.httpPort = httpPort;
        this.sql = new StoreSql(url());
    }

    /**
     * Starts the store with its data under {@code dataDir}, serving HTTP on loopback {@code httpPort} (0 for a free
     * port). Only the HTTP endpoint is opened: no PostgreSQL wire, no ILP over TCP/UDP, no telemetry.
     */
    public static EmbeddedTimeSeriesStore start(Path dataDir, int httpPort) {
        int port = httpPort == 0 ? LoopbackPorts.free() : httpPort;
        long started = System.nanoTime();
        writeLogConfiguration(dataDir);
        ServerMain server = ServerMain.create(dataDir.toAbsolutePath().toString(), Map.of(
                "QDB_HTTP_BIND_TO", "127.0.0.1:" + port,
                "QDB_HTTP_MIN_ENABLED", "false",
                "QDB_PG_ENABLED", "false",
                "QDB_LINE_TCP_ENABLED", "false",
                "QDB_LINE_UDP_ENABLED", "false",
                "QDB_TELEMETRY_ENABLED", "false"));
        server.start();
        server.awaitStartup();
        EmbeddedTimeSeriesStore store = new EmbeddedTimeSeriesStore(server, port);
        try {
            TABLES.forEach(store::query);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        log.info("Time-series store (QuestDB, InfluxDB v2 write API) ready on {} in {} ms, data and questdb.log in {}",
                store.url(), Duration.ofNanos(System.nanoTime() - started).toMillis(), dataDir);
        return store;
    }

    /**
     * QuestDB logs through its own logger, to stdout by default; in one process with everything else its lines go
     * to {@code questdb.log} in its data directory instead. Its logger is set up before it knows its root directory, so the file is
     * named through QuestDB's system property {@value #QUESTDB_LOG_CONFIG_PROPERTY} (unless someone set it).
     */
    private static void writeLogConfiguration(Path dataDir) {
        try {
            Path conf = Files.createDirectories(dataDir.resolve("conf")).resolve("log.conf");
            Files.writeString(conf, String.join("\n",
                    "writers=file",
                    "w.file.class=io.questdb.log.LogFileWriter",
                    "w.file.location=" + dataDir.toAbsolutePath().resolve("questdb.log"),
                    "w.file.level=INFO,ERROR,CRITICAL,ADVISORY",
                    ""));
            if (System.getProperty(QUESTDB_LOG_CONFIG_PROPERTY) == null) {
                System.setProperty(QUESTDB_LOG_CONFIG_PROPERTY, conf.toAbsolutePath().toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write QuestDB log configuration under " + dataDir, e);
        }
    }

    /** Base URL for influxdb-client-java and for queries. */
    public String url() {
        return "http://127.0.0.1:" + httpPort;
    }

    /**
     * Runs one SQL statement over HTTP ({@code /exec}) and returns QuestDB's JSON answer. For the demo, tests and
     * operators' curiosity; the write path never uses it.
     */
    public String query(String sql) {
        return this.sql.query(sql);
    }

    /** How many rows {@code table} holds now (rows become visible asynchronously after a write: poll). */
    public long rowCount(String table) {
        return sql.count("SELECT count() FROM " + table);
    }

    @Override
    public void close() {
        server.close();
        log.info("Time-series store on {} stopped", url());
    }

}
