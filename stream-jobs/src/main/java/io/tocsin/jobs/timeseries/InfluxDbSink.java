package io.tocsin.jobs.timeseries;

import java.io.IOException;
import java.util.Objects;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * A Flink Sink V2 that writes to the InfluxDB v2 write API ({@code /api/v2/write}) through influxdb-client-java:
 * the same code path against the embedded store, InfluxDB 2.x and 3.x.
 *
 * <p>At least once: a batch is written before each checkpoint completes, so a restored job replays at most
 * what was not yet confirmed, and the replay overwrites itself (same series and timestamp). When the store is
 * slow or down the writer retries with back-off and blocks meanwhile: Flink back-pressures the job to its
 * Kafka source, and the readings wait in Kafka instead of being dropped. For that reason time series run in a
 * job of their own, so a stalled store never delays an alarm.
 */
public final class InfluxDbSink<T> implements Sink<T> {

    private static final long serialVersionUID = 1L;

    private final InfluxDbSettings settings;
    private final LineProtocolFormatter<T> formatter;

    public InfluxDbSink(InfluxDbSettings settings, LineProtocolFormatter<T> formatter) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.formatter = Objects.requireNonNull(formatter, "formatter");
    }

    @Override
    public SinkWriter<T> createWriter(WriterInitContext context) throws IOException {
        return new InfluxDbWriter<>(settings, formatter, context.getProcessingTimeService(),
                context.metricGroup());
    }
}
