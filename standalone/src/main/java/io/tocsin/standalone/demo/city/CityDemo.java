package io.tocsin.standalone.demo.city;

import com.sun.management.OperatingSystemMXBean;
import io.tocsin.proto.v1.Severity;
import io.tocsin.standalone.Platform;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tocsin demo --city}: the platform on the embedded default carrying the seed's city (see
 * {@link CityPlan}), with a progress line every few seconds: sites online, readings/s, alarms raised by
 * severity, alarm latency percentiles, process CPU and heap.
 */
public final class CityDemo {

    private static final Logger log = LoggerFactory.getLogger(CityDemo.class);

    /** How the city run is shaped. */
    public record Options(CityProfile profile, long seed, Duration incidentsAfter, Duration progressEvery,
                          Duration duration) {
        public static Options defaults() {
            return new Options(CityProfile.seedCity(), 2017, Duration.ofSeconds(30), Duration.ofSeconds(5),
                    Duration.ZERO);
        }
    }

    private final Options options;
    private final OperatingSystemMXBean os =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private long lastReadings;
    private long lastSent;
    private long lastNanos = System.nanoTime();
    private long lastCpuNanos = os.getProcessCpuTime();

    public CityDemo(Options options) {
        this.options = options;
    }

    /**
     * Runs until {@code stop} is counted down or {@link Options#duration()} (if not zero) has passed.
     *
     * @param settings the platform's settings; the city's registry and rules replace the demo's
     */
    public void run(Platform.Settings settings, CountDownLatch stop) throws Exception {
        CityPlan plan = CityPlan.generate(options.profile(), options.seed(), options.incidentsAfter());
        log.info("City: {} chemical parks, {} enterprises, {} communities; {} gateways; detectors: {} gas, {} heat, "
                        + "{} smoke, {} PLC points; ~{} readings/s when quiet", options.profile().chemicalParks(),
                options.profile().enterprises(), options.profile().communities(), plan.gateways(),
                plan.points(SimulatedPoint.Kind.GAS), plan.points(SimulatedPoint.Kind.HEAT),
                plan.points(SimulatedPoint.Kind.SMOKE), plan.points(SimulatedPoint.Kind.PLC),
                Math.round(plan.quietReadingsPerSecond()));
        Platform.Settings city = settings.toBuilder().rules(CityPlan.rules()).registry(plan.registry()).build();
        Clock clock = Clock.systemUTC();
        long started = System.nanoTime();
        try (Platform platform = Platform.start(city);
             CityAlarmBoard board = new CityAlarmBoard(platform.mqttUri(), clock);
             CityFleet fleet = CityFleet.start(plan, platform.mqttUri(), clock, 1)) {
            log.info("Platform up in {} ms. Health and metrics: {}/health, {}/metrics; station console: {}",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), platform.operationsUrl(),
                    platform.operationsUrl(), platform.consoleUrl() == null ? "off" : platform.consoleUrl());
            for (CityPlan.Incident incident : plan.incidents()) {
                log.info("Scripted at +{} s: {} at {}: {} (expect alarm {}*)", incident.atMs() / 1000,
                        incident.name(), incident.siteId(), incident.description(), incident.alarmIdPrefix());
            }
            ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "city-progress");
                t.setDaemon(true);
                return t;
            });
            long every = options.progressEvery().toMillis();
            progress.scheduleAtFixedRate(() -> report(fleet, board), every, every, TimeUnit.MILLISECONDS);
            try {
                if (options.duration().isZero()) {
                    stop.await();
                } else {
                    stop.await(options.duration().toMillis(), TimeUnit.MILLISECONDS);
                }
            } finally {
                progress.shutdownNow();
            }
            report(fleet, board);
            log.info("City run over: {} readings acknowledged, {} batches refused (resent), {} dropped; alarm latency "
                            + "over the run: {}", fleet.readingsAcknowledged(), fleet.batchesRefused(),
                    fleet.batchesDropped(), board.latency().percentiles());
        }
    }

    private void report(CityFleet fleet, CityAlarmBoard board) {
        try {
            long now = System.nanoTime();
            long readings = fleet.readingsAcknowledged();
            long cpu = os.getProcessCpuTime();
            double seconds = (now - lastNanos) / 1e9;
            double rate = (readings - lastReadings) / seconds;
            double cpuCores = (cpu - lastCpuNanos) / 1e9 / seconds;
            lastReadings = readings;
            lastNanos = now;
            lastCpuNanos = cpu;
            long sent = fleet.readingsSent();
            double sentRate = (sent - lastSent) / seconds;
            lastSent = sent;
            log.info(String.format("city | sites online %d/%d | readings/s %,.0f acknowledged, %,.0f sent "
                            + "(acknowledged %,d, waiting %d batches) | alarms RED %d ORANGE %d YELLOW %d BLUE %d | latency %s | CPU %.2f of %d "
                            + "cores, heap %d MB",
                    fleet.online(), fleet.gateways(), rate, sentRate, readings, fleet.pending(),
                    board.raised(Severity.SEVERITY_RED), board.raised(Severity.SEVERITY_ORANGE),
                    board.raised(Severity.SEVERITY_YELLOW), board.raised(Severity.SEVERITY_BLUE),
                    board.latency().percentiles(), cpuCores, os.getAvailableProcessors(),
                    memory.getHeapMemoryUsage().getUsed() >> 20));
        } catch (RuntimeException e) {
            log.warn("Progress report failed: {}", e.toString());
        }
    }
}
