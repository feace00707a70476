package io.tocsin.standalone.timeseries;

import io.tocsin.jobs.timeseries.InfluxDbSettings;
import io.tocsin.jobs.timeseries.TimeSeriesJob;
import io.tocsin.standalone.flink.EmbeddedFlinkCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;

/**
 * The history side of the embedded default: the time-series store and the time-series job (telemetry and alarms
 * from Kafka into the store), on a Flink MiniCluster of its own. Started inside the platform's JVM or, by default,
 * in a process of its own ({@link TimeSeriesProcess}); either way by this class, so both run the same code.
 */
public final class TimeSeriesPath implements AutoCloseable {

    /** Where the path reads, where it keeps its files, and how often the job checkpoints. */
    public record Settings(String bootstrap, String telemetryTopic, String alarmsTopic, Path storeDir,
                           int storeHttpPort, Path checkpoints, Duration checkpointInterval) {

        public Settings {
            Objects.requireNonNull(bootstrap, "bootstrap");
            Objects.requireNonNull(telemetryTopic, "telemetryTopic");
            Objects.requireNonNull(alarmsTopic, "alarmsTopic");
            Objects.requireNonNull(storeDir, "storeDir");
            Objects.requireNonNull(checkpoints, "checkpoints");
            Objects.requireNonNull(checkpointInterval, "checkpointInterval");
        }
    }

    private final EmbeddedTimeSeriesStore store;
    private final EmbeddedFlinkCluster flink;

    private TimeSeriesPath(EmbeddedTimeSeriesStore store, EmbeddedFlinkCluster flink) {
        this.store = store;
        this.flink = flink;
    }

    /** Starts the store, then the job writing to it; if the job cannot start, the store is stopped again. */
    public static TimeSeriesPath start(Settings settings) throws Exception {
        EmbeddedTimeSeriesStore store = EmbeddedTimeSeriesStore.start(settings.storeDir(), settings.storeHttpPort());
        EmbeddedFlinkCluster flink = null;
        try {
            flink = EmbeddedFlinkCluster.start(1);
            InfluxDbSettings target = InfluxDbSettings.of(store.url(), "", "tocsin", "tocsin");
            Configuration conf = TimeSeriesJob.recommendedConfiguration(settings.checkpointInterval());
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, settings.checkpoints().toUri().toString());
            flink.submit(TimeSeriesJob.JOB_NAME, conf, env -> TimeSeriesJob.onKafka(settings.bootstrap(),
                    settings.telemetryTopic(), settings.alarmsTopic(), target).buildPipeline(env));
            return new TimeSeriesPath(store, flink);
        } catch (Exception | Error e) {
            try {
                if (flink != null) {
                    flink.close();
                }
            } finally {
                store.close();
            }
            throw e;
        }
    }

    /** The store's base URL: InfluxDB v2 write API and QuestDB's SQL {@code /exec}. */
    public String url() {
        return store.url();
    }

    /** Stops the job first (it writes to the store), then the store. */
    @Override
    public void close() throws Exception {
        try {
            flink.close();
        } finally {
            store.close();
        }
    }
}
