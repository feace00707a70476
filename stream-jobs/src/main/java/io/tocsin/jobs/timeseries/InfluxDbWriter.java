package io.tocsin.jobs.timeseries;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.InfluxDBClientFactory;
import com.influxdb.client.InfluxDBClientOptions;
import com.influxdb.client.WriteApiBlocking;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.exceptions.InfluxException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffers lines and writes them in batches: when {@link InfluxDbSettings#maxBatchLines} are buffered, when the
 * flush interval has passed, and before every checkpoint ({@link #flush}). Runs on the task's mailbox thread
 * only (writes and timers alike), so it needs no locking.
 */
final class InfluxDbWriter<T> implements SinkWriter<T> {

    private static final Logger log = LoggerFactory.getLogger(InfluxDbWriter.class);
    private static final Duration FIRST_RETRY_BACKOFF = Duration.ofMillis(100);

    private final InfluxDbSettings settings;
    private final LineProtocolFormatter<T> formatter;
    private final ProcessingTimeService time;
    private final InfluxDBClient client;
    private final WriteApiBlocking writeApi;
    private final Counter linesWritten;
    private final Counter writeRetries;
    private final Counter linesRejected;
    private List<String> buffer = new ArrayList<>();
    private boolean flushTimerSet;

    InfluxDbWriter(InfluxDbSettings settings, LineProtocolFormatter<T> formatter, ProcessingTimeService time,
                   SinkWriterMetricGroup metrics) {
        this.settings = settings;
        this.formatter = formatter;
        this.time = time;
        this.client = InfluxDBClientFactory.create(InfluxDBClientOptions.builder()
                .url(settings.url())
                .authenticateToken(settings.token().toCharArray())
                .org(settings.org())
                .bucket(settings.bucket())
                .build());
        this.writeApi = client.getWriteApiBlocking();
        this.linesWritten = metrics.counter("timeSeriesLinesWritten");
        this.writeRetries = metrics.counter("timeSeriesWriteRetries");
        this.linesRejected = metrics.counter("timeSeriesLinesRejected");
    }

    @Override
    public void write(T element, Context context) throws IOException, InterruptedException {
        buffer.add(formatter.toLine(element));
        if (buffer.size() >= settings.maxBatchLines()) {
            writeBuffer();
        } else if (!flushTimerSet) {
            flushTimerSet = true;
            time.registerTimer(time.getCurrentProcessingTime() + settings.flushInterval().toMillis(),
                    timestamp -> onFlushTimer());
        }
    }

    private void onFlushTimer() throws IOException, InterruptedException {
        flushTimerSet = false;
        writeBuffer();
    }

    /** Called before every checkpoint and at the end of input: nothing may stay buffered past it. */
    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
        writeBuffer();
    }

    private void writeBuffer() throws IOException, InterruptedException {
        if (buffer.isEmpty()) {
            return;
        }
        List<String> batch = buffer;
        buffer = new ArrayList<>();
        Duration backoff = FIRST_RETRY_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            try {
                writeApi.writeRecords(WritePrecision.MS, batch);
                linesWritten.inc(batch.size());
                if (attempt > 1) {
                    log.info("Time-series store {} took a batch of {} lines again after {} attempts",
                            settings.url(), batch.size(), attempt);
                }
                return;
            } catch (InfluxException e) {
                if (e.status() == 400 || e.status() == 413 || e.status() == 422) {
                    // The store says the data itself is wrong: resending it would stall the job forever.
                    linesRejected.inc(batch.size());
                    log.error("Time-series store {} refused a batch of {} lines ({} {}); dropped. First line: {}",
                            settings.url(), batch.size(), e.status(), e.getMessage(), batch.get(0));
                    return;
                }
                writeRetries.inc();
                if (attempt == 1 || backoff.equals(settings.maxRetryBackoff())) {
                    log.warn("Time-series store {} did not take a batch of {} lines ({}); retrying every {} ms at "
                            + "most, the job is back-pressured meanwhile", settings.url(), batch.size(),
                            describe(e), settings.maxRetryBackoff().toMillis());
                }
                pause(backoff);
                backoff = min(backoff.multipliedBy(2), settings.maxRetryBackoff());
            }
        }
    }

    private static String describe(InfluxException e) {
        return e.status() > 0 ? "HTTP " + e.status() + " " + e.getMessage() : e.toString();
    }

    private static void pause(Duration backoff) throws InterruptedIOException {
        try {
            // Deliberately blocking the task thread: this is the back pressure (see InfluxDbSink).
            Thread.sleep(backoff.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while retrying a time-series write");
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public void close() {
        client.close();
    }
}
