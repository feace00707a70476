package io.tocsin.standalone.parts;

import io.tocsin.standalone.timeseries.EmbeddedTimeSeriesStore;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tocsin store}: the time-series store (QuestDB, InfluxDB v2 write API) as a process of its own. QuestDB's
 * own {@code io.questdb.ServerMain} would run too, but without the deduplicating tables that make a replayed
 * reading overwrite itself: this creates them at start.
 */
@Command(name = "store", mixinStandardHelpOptions = true,
        description = "Run the time-series store (QuestDB, InfluxDB v2 write API) with Tocsin's tables.")
public final class StorePartCommand implements Callable<Integer> {

    @Option(names = "--data-dir", required = true, description = "QuestDB's root directory.")
    Path dataDir;

    @Option(names = "--http-port", defaultValue = "9000",
            description = "HTTP port on 127.0.0.1: /api/v2/write and /exec (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Override
    public Integer call() throws Exception {
        PartLifecycle lifecycle = new PartLifecycle("store");
        try (EmbeddedTimeSeriesStore store = EmbeddedTimeSeriesStore.start(dataDir, httpPort)) {
            PartLifecycle.announceReady("store", "url=" + store.url());
            lifecycle.awaitStopRequest();
        } finally {
            lifecycle.stopped();
        }
        return 0;
    }
}
