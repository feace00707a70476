package io.tocsin.standalone.demo;

import io.tocsin.edge.EdgeAgent;
import io.tocsin.standalone.Platform;
import io.tocsin.standalone.ScratchDirectory;
import io.tocsin.standalone.demo.city.CityDemo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tocsin demo}: the platform on the embedded default, simulated sites reporting to it, and a fire
 * station console that shows the alarms as they arrive. Runs until Ctrl-C.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole platform in one process with simulated sites and a fire station console.")
public final class DemoCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);

    @Option(names = "--data-dir", defaultValue = "data/demo",
            description = "Where Kafka's log and Flink's checkpoints go (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--mqtt-port", defaultValue = "1883", description = "MQTT port (default: ${DEFAULT-VALUE}).")
    int mqttPort;

    @Option(names = "--coap-port", defaultValue = "5683",
            description = "CoAP port, -1 to turn CoAP off (default: ${DEFAULT-VALUE}).")
    int coapPort;

    @Option(names = "--http-port", defaultValue = "9090",
            description = "Port of /health and /metrics (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--console-port", defaultValue = "8080",
            description = "Port of the station console (web page), -1 to turn it off (default: ${DEFAULT-VALUE}).")
    int consolePort;

    @Option(names = "--keep-data", description = "Keep the data of an earlier demo run instead of starting afresh.")
    boolean keepData;

    @Option(names = "--poll-interval", defaultValue = "PT1S",
            description = "How often each simulated gateway reads its detectors, ISO-8601 (default: ${DEFAULT-VALUE}).")
    Duration pollInterval;

    @Option(names = "--city", description = "Carry the seed's city instead of the three demo sites: 7 chemical "
            + "parks, 292 enterprises, 272 communities (~30,000 smoke detectors) on a few hundred simulated gateways, "
            + "with scripted incidents and a progress line every 5 s.")
    boolean city;

    @Option(names = "--duration", defaultValue = "PT0S",
            description = "With --city: stop after this long, ISO-8601, e.g. PT3M (default: run until Ctrl-C).")
    Duration duration;

    /** Counted down when the platform is fully stopped, so the shutdown hook can wait for it. */
    private final CountDownLatch stoppedCleanly = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        if (!keepData) {
            // The alarm job's state is not restored across demo runs yet, so old telemetry and alarms would
            // only confuse the story.
            ScratchDirectory.deleteTree(dataDir);
        }
        long started = System.nanoTime();
        log.info("Starting Tocsin on the embedded default (data in {})", dataDir.toAbsolutePath());
        CountDownLatch stopRequested = new CountDownLatch(1);
        if (city) {
            return runCity(stopRequested);
        }
        Clock clock = Clock.systemUTC();
        DemoCredentials logins = DemoCredentials.write(Platform.Settings.defaults(dataDir));
        try (Platform platform = Platform.start(platformSettings().withConsoleCredentials(logins.registry()));
             StationConsole station = new StationConsole("station-chem-park-1", platform.mqttUri(), clock);
             DemoFleet fleet = DemoFleet.start(platform.mqttUri(), clock, pollInterval)) {
            log.info("Platform up in {} ms. Simulated sites are reporting; chem-park-1/gas-01 starts leaking in {} s.",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), DemoFleet.PARK_LEAK.after().toSeconds());
            log.info("Health and Prometheus metrics: {}/health, {}/metrics", platform.operationsUrl(),
                    platform.operationsUrl());
            if (platform.consoleUrl() != null) {
                log.info("Station console: open {} and log in as {} (covers {}), password {}; or as {} (every "
                        + "site) with the same password. All logins: {}", platform.consoleUrl(),
                        logins.firstStation().station(), logins.firstStation().sites(), DemoCredentials.PASSWORD,
                        DemoCredentials.CONTROL_ROOM, logins.file().toAbsolutePath());
            }
            log.info("Readings are stored as time series: curl '{}/exec?query=select%20*%20from%20reading%20"
                    + "order%20by%20timestamp%20desc%20limit%205'", platform.timeSeriesUrl());
            log.info("Any MQTT client may subscribe too (payloads are protobuf), e.g. mosquitto_sub -p {} -t "
                    + "'tocsin/v1/alarms/#' -v. Ctrl-C stops.", mqttPort);
            ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor();
            progress.scheduleAtFixedRate(() -> reportProgress(fleet, station), 5, 5, TimeUnit.SECONDS);
            stopOnShutdown(stopRequested, progress::shutdownNow);
            stopRequested.await();
        } finally {
            stoppedCleanly.countDown();
        }
        log.info("Stopped.");
        return 0;
    }

    private int runCity(CountDownLatch stopRequested) throws Exception {
        stopOnShutdown(stopRequested, () -> { });
        try {
            CityDemo.Options options = CityDemo.Options.defaults();
            new CityDemo(new CityDemo.Options(options.profile(), options.seed(), options.incidentsAfter(),
                    options.progressEvery(), duration))
                    .run(platformSettings(), stopRequested);
        } finally {
            stoppedCleanly.countDown();
        }
        log.info("Stopped.");
        return 0;
    }

    /** The embedded default with this command's data directory and ports (Kafka's client port: any free one). */
    private Platform.Settings platformSettings() {
        return Platform.Settings.defaults(dataDir)
                .withPorts(new Platform.Ports(mqttPort, coapPort, httpPort, 0, consolePort));
    }

    /**
     * On Ctrl-C: {@code beforeStopping}, then ask {@link #call} to stop and give it up to a minute to close the
     * platform before the logs are shut down.
     */
    private void stopOnShutdown(CountDownLatch stopRequested, Runnable beforeStopping) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // A demo that ran its --duration out has stopped already; the JVM's exit runs this hook too.
            if (stoppedCleanly.getCount() > 0) {
                log.info("Stopping ...");
            }
            beforeStopping.run();
            stopRequested.countDown();
            awaitQuietly(stoppedCleanly, 60);
            LogManager.shutdown();
        }, "tocsin-shutdown"));
    }

    private static void reportProgress(DemoFleet fleet, StationConsole station) {
        long online = fleet.agents().stream().filter(a -> a.acknowledgedBatches() > 0).count();
        log.info("sites reporting {}/{} | telemetry batches acknowledged {} | not yet acknowledged {} | alarms at the station {}",
                online, fleet.agents().size(), fleet.acknowledgedBatches(),
                fleet.agents().stream().mapToInt(EdgeAgent::pendingBatches).sum(), station.alarmsReceived());
    }

    private static void awaitQuietly(CountDownLatch latch, int seconds) {
        try {
            latch.await(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
