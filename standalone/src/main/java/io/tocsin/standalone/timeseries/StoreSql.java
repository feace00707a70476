package io.tocsin.standalone.timeseries;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * SQL on the time-series store over its HTTP ({@code /exec}), by base URL: the embedded store, or {@code tocsin
 * store} in a process of its own. For table set-up, the demo, tests and operators' curiosity; the write path
 * never uses it.
 */
public final class StoreSql {

    private final String url;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @param url the store's base URL, e.g. {@code http://127.0.0.1:9000} */
    public StoreSql(String url) {
        this.url = url;
    }

    /** Runs one statement and returns QuestDB's JSON answer. */
    public String query(String sql) {
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(url + "/exec?query=" + URLEncoder.encode(sql, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(30)).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("query failed with HTTP " + response.statusCode() + ": "
                        + response.body() + " (query: " + sql + ")");
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException("query failed: " + sql, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during query: " + sql, e);
        }
    }

    /** The one number a {@code SELECT count() ...} answers. */
    public long count(String sql) {
        String json = query(sql);
        // {"query":..., "columns":[...], "dataset":[[N]], ...}
        String dataset = json.substring(json.indexOf("\"dataset\":[[") + 12);
        return Long.parseLong(dataset.substring(0, dataset.indexOf(']')));
    }
}
