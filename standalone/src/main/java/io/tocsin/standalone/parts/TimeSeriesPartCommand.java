package io.tocsin.standalone.parts;

import io.tocsin.standalone.timeseries.TimeSeriesPath;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tocsin timeseries}: the time-series store and the time-series job in one process. The embedded default
 * starts it as its child ({@code TimeSeriesProcess}) at a lower CPU priority, so that history yields the CPU to
 * alarms when a small machine is saturated; it can be run by hand as well.
 */
@Command(name = "timeseries", mixinStandardHelpOptions = true,
        description = "Run the time-series store and the time-series job (Kafka -> store) in one process.")
public final class TimeSeriesPartCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(TimeSeriesPartCommand.class);

    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, host:port[,host:port].")
    String bootstrap;

    @Option(names = "--data-dir", required = true, description = "The store's root directory.")
    Path dataDir;

    @Option(names = "--http-port", defaultValue = "0",
            description = "The store's HTTP port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--checkpoints", required = true, description = "Checkpoint directory of the time-series job.")
    Path checkpoints;

    @Option(names = "--checkpoint-interval", defaultValue = "PT30S",
            description = "Checkpoint interval, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration checkpointInterval;

    @Option(names = "--telemetry-topic", defaultValue = "telemetry", description = "(default: ${DEFAULT-VALUE})")
    String telemetryTopic;

    @Option(names = "--alarms-topic", defaultValue = "alarms", description = "(default: ${DEFAULT-VALUE})")
    String alarmsTopic;

    @Option(names = "--parent-pid", defaultValue = "-1",
            description = "Stop when the process with this id ends (the platform that started this one).")
    long parentPid;

    @Override
    public Integer call() throws Exception {
        PartLifecycle lifecycle = new PartLifecycle("timeseries");
        if (parentPid > 0) {
            // A parent killed with -9 cannot stop its child: without this the store would keep its port and files.
            ProcessHandle.of(parentPid).ifPresentOrElse(
                    parent -> parent.onExit().thenRun(() -> {
                        log.warn("The platform (pid {}) has ended: stopping the time-series process", parentPid);
                        System.exit(0);
                    }),
                    () -> {
                        log.warn("The platform (pid {}) is not running: stopping", parentPid);
                        System.exit(0);
                    });
        }
        try (TimeSeriesPath path = TimeSeriesPath.start(new TimeSeriesPath.Settings(bootstrap, telemetryTopic,
                alarmsTopic, dataDir, httpPort, checkpoints.toAbsolutePath(), checkpointInterval))) {
            PartLifecycle.announceReady("timeseries", "url=" + path.url());
            lifecycle.awaitStopRequest();
        } finally {
            lifecycle.stopped();
        }
        return 0;
    }
}
