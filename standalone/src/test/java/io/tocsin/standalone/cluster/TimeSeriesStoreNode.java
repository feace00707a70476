package io.tocsin.standalone.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tocsin.standalone.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ChildProcess process;
    private final int httpPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TimeSeriesStoreNode(ChildProcess process, int httpPort) {
        this.process = process;
        this.httpPort = httpPort;
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
    long readingsOf(String site, long untilMs) throws IOException, InterruptedException {
        return count("select count() from reading where site = '" + site + "' and timestamp <= "
                + "cast(" + (untilMs * 1000 + 999) + " as timestamp)");
    }

    private long count(String sql) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url() + "/exec?query="
                + URLEncoder.encode(sql, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(30)).GET().build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 400 && response.body().contains("table does not exist")) {
            return 0;
        }
        if (response.statusCode() != 200) {
            throw new IOException("store answered HTTP " + response.statusCode() + " to '" + sql + "': "
                    + response.body());
        }
        JsonNode dataset = JSON.readTree(response.body()).path("dataset");
        return dataset.path(0).path(0).asLong();
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
