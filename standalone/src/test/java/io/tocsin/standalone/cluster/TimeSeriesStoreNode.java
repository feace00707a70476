package io.tocsin.standalone.cluster;

import io.tocsin.standalone.LoopbackPorts;
import io.tocsin.standalone.timeseries.StoreSql;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The time-series store of the local cluster: {@code tocsin store} (QuestDB behind the InfluxDB v2 write API, with
 * the deduplicating tables) as a process of its own, the stand-in for the city's InfluxDB that the time-series job
 * writes to over HTTP exactly as it would to InfluxDB. The check reads it back with SQL ({@code /exec}).
 */
final class TimeSeriesStoreNode implements AutoCloseable {

    private final ChildProcess process;
    private final int httpPort;
    private final StoreSql sql;

    private TimeSeriesStoreNode(ChildProcess process, int httpPort) {
        this.process = process;
        this.httpPort = httpPort;
        this.sql = new StoreSql(url());
    }

    static TimeSeriesStoreNode start(Path dir, Path standaloneJar) throws IOException {
        int httpPort = LoopbackPorts.free();
        List<String> jvm = new ArrayList<>(List.of("-Xmx512m", "-Xms128m", "-XX:ActiveProcessorCount=2"));
        jvm.addAll(ChildProcess.JAVA_17_OPENS);
        ChildProcess process = ChildProcess.startJava("store", dir.resolve("logs"), jvm,
                standaloneJar.toAbsolutePath().toString(), "io.tocsin.standalone.TocsinCommand",
                List.of("store", "--data-dir", dir.resolve("store").toString(), "--http-port",
                        Integer.toString(httpPort)));
        // `tocsin store` prints one line "READY store url=..." once it serves.
        process.awaitOutput("READY store", Duration.ofSeconds(300));
        return new TimeSeriesStoreNode(process, httpPort);
    }

    /** The base URL of the write API, for the time-series job's {@code --influx-url}. */
    String url() {
        return "http://127.0.0.1:" + httpPort;
    }

    /**
     * Readings of {@code site} stored with a timestamp up to {@code untilMs}: rows are unique per (timestamp,
     * site, sensor), so a reading written twice (a replay after a restart) counts once.
     */
    long readingsOf(String site, long untilMs) {
        return sql.count("select count() from reading where site = '" + site + "' and timestamp <= "
                + "cast(" + (untilMs * 1000 + 999) + " as timestamp)");
    }

    @Override
    public void close() {
        process.close();
    }

    @Override
    public String toString() {
        return process.toString();
    }
}
