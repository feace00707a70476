package io.tocsin.standalone.cluster;

import io.tocsin.jobs.alarms.RuleFileText;
import io.tocsin.standalone.ScratchDirectory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The scale-out check of issue 9: Tocsin on real engines as separate OS processes on this machine, under load,
 * with a TaskManager and a Kafka broker killed ({@code kill -9}); exits non-zero if anything acknowledged was
 * lost.
 *
 * <ul>
 *   <li>a three-node KRaft Kafka cluster ({@link LocalKafkaCluster}): telemetry and alarms with three replicas,
 *       {@code min.insync.replicas=2};</li>
 *   <li>a Flink session cluster: one JobManager, two TaskManagers ({@link FlinkSessionCluster}), the alarm job
 *       submitted as a jar (stream-jobs' {@code tocsin-stream-jobs-job.jar}) with parallelism 2 and checkpoints
 *       every 2 s;</li>
 *   <li>two ingest nodes ({@code tocsin ingest --config}) behind HAProxy in TCP mode ({@link TcpLoadBalancer};
 *       without the {@code haproxy} package the devices are split between the nodes by port, as round robin
 *       would), and a station console connected to each node directly.</li>
 * </ul>
 *
 * The audit: every batch a device got a successful PUBACK for is in the telemetry topic; every alarm transition
 * the acknowledged readings imply (one raise and one return per cycle of each alarm device) reached both
 * consoles. Run it with deploy/local-cluster/run-check.sh, which builds the jars and classpaths it needs and
 * passes them as system properties ({@code tocsin.cluster.*}).
 */
public final class LocalClusterCheck {

    private static final String RULE_ID = "level-high";
    private static final int ALARM_CYCLE = 10; // batches per cycle of an alarm device: 9 normal, 1 high
    /** The ingest meters the check reads, as Prometheus names them. */
    private static final String CONNECTED_CLIENTS = "tocsin_ingest_clients_connected";
    private static final String PUBLISHES_ACCEPTED = "tocsin_ingest_publish_accepted_total";

    private final Path dir;
    private final Settings settings;
    private final PrintStream out;
    private final List<String> failures = new ArrayList<>();
    private final Map<String, String> figures = new TreeMap<>();

    /** Everything the check is told from outside; see run-check.sh. */
    record Settings(String kafkaClasspath, String flinkClasspath, Path jobJar, Path standaloneJar, Path rules,
                    int readingsPerSecond, int loadDevices, int readingsPerBatch, int alarmDevices,
                    int loadSeconds, int taskManagerKillAt, int brokerKillAt) {

        static Settings fromSystemProperties() throws IOException {
            return new Settings(
                    Files.readString(Path.of(required("tocsin.cluster.kafkaClasspathFile"))).trim(),
                    Files.readString(Path.of(required("tocsin.cluster.flinkClasspathFile"))).trim(),
                    Path.of(required("tocsin.cluster.jobJar")),
                    Path.of(required("tocsin.cluster.standaloneJar")),
                    Path.of(required("tocsin.cluster.rules")),
                    Integer.getInteger("tocsin.cluster.readingsPerSecond", 5000),
                    Integer.getInteger("tocsin.cluster.loadDevices", 40),
                    Integer.getInteger("tocsin.cluster.readingsPerBatch", 25),
                    Integer.getInteger("tocsin.cluster.alarmDevices", 6),
                    Integer.getInteger("tocsin.cluster.loadSeconds", 120),
                    Integer.getInteger("tocsin.cluster.taskManagerKillAt", 20),
                    Integer.getInteger("tocsin.cluster.brokerKillAt", 60));
        }

        private static String required(String key) {
            String value = System.getProperty(key);
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("system property " + key + " is not set (run-check.sh sets it)");
            }
            return value;
        }
    }

    LocalClusterCheck(Path dir, Settings settings, PrintStream out) {
        this.dir = dir;
        this.settings = settings;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(System.getProperty("tocsin.cluster.dir", "deploy/local-cluster/target/run"))
                .toAbsolutePath();
        Settings settings = Settings.fromSystemProperties();
        RuleFileText.of(settings.rules()); // a bad rule file fails here, before any process starts
        ScratchDirectory.deleteTree(dir);
        Files.createDirectories(dir);
        boolean passed;
        try (PrintStream report = new PrintStream(Files.newOutputStream(dir.resolve("report.txt")), true,
                StandardCharsets.UTF_8)) {
            PrintStream both = new TeeStream(System.out, report);
            passed = new LocalClusterCheck(dir, settings, both).run();
        }
        System.exit(passed ? 0 : 1);
    }

    /** Starts everything, runs the load with the two kills, audits; every process is killed at the end. */
    boolean run() throws Exception {
        long started = System.nanoTime();
        List<AutoCloseable> parts = new ArrayList<>();
        Thread cleanup = new Thread(() -> closeAll(parts));
        Runtime.getRuntime().addShutdownHook(cleanup); // Ctrl-C or a failure still kills every child process
        try {
            say("work directory " + dir);
            LocalKafkaCluster kafka = new LocalKafkaCluster(dir, settings.kafkaClasspath());
            parts.add(kafka);
            long t0 = System.nanoTime();
            kafka.start();
            figure("startup.kafka-3-nodes-s", seconds(t0));
            String bootstrap = kafka.bootstrapServers();
            // Telemetry and alarms: 6 partitions (two led by each broker), 3 replicas, acknowledged on 2 copies.
            kafka.createTopics(Map.of("telemetry", 6, "alarms", 6, "status", 3, "commands", 3,
                    "command-results", 3, "client-messages", 3), Map.of("min.insync.replicas", "2"));
            kafka.createTopics(Map.of("registry", 1, "retained-messages", 3), Map.of("min.insync.replicas", "2",
                    "cleanup.policy", "compact"));
            say("Kafka: 3 KRaft nodes (broker+controller) on " + bootstrap + ", topics created (RF 3, min ISR 2)");

            FlinkSessionCluster flink = new FlinkSessionCluster(dir, settings.flinkClasspath());
            parts.add(flink);
            t0 = System.nanoTime();
            flink.startJobManager();
            flink.startTaskManager(1);
            flink.startTaskManager(2);
            figure("startup.flink-jm-2tm-s", seconds(t0));
            say("Flink: JobManager + 2 TaskManagers x " + FlinkSessionCluster.SLOTS_PER_TASK_MANAGER
                    + " slots, REST " + flink.restUrl());
            t0 = System.nanoTime();
            String jarId = flink.uploadJar(settings.jobJar());
            String jobId = flink.runJar(jarId, "io.tocsin.jobs.alarms.AlarmJobMain", List.of(
                    "--bootstrap-servers", bootstrap,
                    "--rules", settings.rules().toAbsolutePath().toString(),
                    "--checkpoint-interval-ms", "2000",
                    "--checkpoint-dir", dir.resolve("checkpoints").toUri().toString()), 2);
            awaitTrue("alarm job " + jobId + " running on both TaskManagers", Duration.ofSeconds(420),
                    () -> flink.allTasksRunning(jobId));
            figure("startup.job-submit-to-running-s", seconds(t0));
            say("Alarm job " + jobId + " submitted as " + settings.jobJar().getFileName() + " (jar id " + jarId
                    + "), running on " + flink.taskManagersRunning(jobId));

            t0 = System.nanoTime();
            TimeSeriesStoreNode store = TimeSeriesStoreNode.start(dir, settings.standaloneJar());
            parts.add(store);
            figure("startup.store-s", seconds(t0));
            t0 = System.nanoTime();
            String timeSeriesJobId = flink.runJar(jarId, "io.tocsin.jobs.timeseries.TimeSeriesJobMain", List.of(
                    "--bootstrap-servers", bootstrap,
                    "--influx-url", store.url(),
                    "--checkpoint-interval-ms", "2000",
                    "--checkpoint-dir", dir.resolve("time-series-checkpoints").toUri().toString()), 1);
            awaitTrue("time-series job " + timeSeriesJobId + " running", Duration.ofSeconds(420),
                    () -> flink.allTasksRunning(timeSeriesJobId));
            figure("startup.time-series-job-submit-to-running-s", seconds(t0));
            say("Time-series job " + timeSeriesJobId + " (TimeSeriesJobMain, same jar) writes to " + store
                    + " at " + store.url() + ", running on " + flink.taskManagersRunning(timeSeriesJobId));

            IngestNodes ingest = new IngestNodes(dir, settings.standaloneJar(), bootstrap);
            parts.add(ingest);
            t0 = System.nanoTime();
            ingest.start(2);
            figure("startup.ingest-2-nodes-s", seconds(t0));
            say("Ingest nodes: " + ingest.uris());

            StationConsole console1 = new StationConsole("station-console-1", ingest.uri(0));
            parts.add(console1);
            StationConsole console2 = new StationConsole("station-console-2", ingest.uri(1));
            parts.add(console2);
            say("Station consoles subscribed to tocsin/v1/alarms/# on node 1 and node 2");
            CrossNodeMessages.Result cross = CrossNodeMessages.probe(ingest.uri(0), ingest.uri(1), 50);
            figure("client-messages.node-1-to-node-2-ms", Throughput.percentiles(cross.sortedLatencyMs()));
            figure("client-messages.missing", cross.missing());
            figure("client-messages.retained-on-the-other-node", cross.retainedArrived());
            say("Client messages node 1 -> node 2: " + (cross.sent() - cross.missing()) + " of " + cross.sent()
                    + " arrived, retained message " + (cross.retainedArrived() ? "there" : "NOT there"));
            if (cross.missing() > 0) {
                failures.add(cross.missing() + " of " + cross.sent() + " messages published on node 1 never reached "
                        + "the subscriber on node 2");
            }
            if (!cross.retainedArrived()) {
                failures.add("a retained message published on node 1 was not there for a subscriber on node 2");
            }
            figure("startup.total-s", seconds(started));

            List<String> deviceUris = ingest.uris();
            java.util.Optional<Path> haproxy = TcpLoadBalancer.binary();
            if (haproxy.isPresent()) {
                TcpLoadBalancer balancer = TcpLoadBalancer.start(haproxy.get(), dir, ingest.mqttPorts(),
                        ingest.httpPorts());
                parts.add(balancer);
                deviceUris = List.of(balancer.uri());
                say("Devices connect to HAProxy on " + balancer.uri() + " (TCP, least connections, health checks)");
            } else {
                say("No haproxy (apt-get install haproxy): devices split between the nodes by port instead");
            }
            figure("devices.connect-through", haproxy.isPresent() ? "haproxy" : "node ports");

            Fleet fleet = new Fleet(settings, deviceUris);
            parts.add(fleet::stop);
            Faults faults = new Faults();
            runLoad(fleet, faults, kafka, flink, jobId, timeSeriesJobId, ingest);
            audit(fleet, faults, kafka, flink, jobId, console1, console2, ingest);
            auditTimeSeries(fleet, faults, store, flink, timeSeriesJobId);
        } catch (Exception | AssertionError e) {
            failures.add("the check could not complete: " + e);
            e.printStackTrace(out);
        } finally {
            closeAll(parts);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
        figure("check.duration-s", seconds(started));
        out.println();
        out.println("=== figures ===");
        figures.forEach((k, v) -> out.println(k + " = " + v));
        out.println();
        if (failures.isEmpty()) {
            out.println("PASS: nothing acknowledged was lost (logs and report in " + dir + ")");
            return true;
        }
        out.println("FAIL:");
        failures.forEach(f -> out.println("  - " + f));
        out.println("(logs and report in " + dir + ")");
        return false;
    }

    /** When each fault was injected and what recovery looked like. */
    static final class Faults {
        long taskManagerKilledMs;
        long brokerKilledMs;
        int brokerKilled;
        long loadStoppedMs;
    }

    private void runLoad(Fleet fleet, Faults faults, LocalKafkaCluster kafka, FlinkSessionCluster flink,
                         String jobId, String timeSeriesJobId, IngestNodes ingest) throws Exception {
        say("Load: " + settings.loadDevices() + " devices x " + settings.readingsPerBatch() + " readings/batch, "
                + settings.readingsPerSecond() + " readings/s offered, + " + settings.alarmDevices()
                + " alarm devices (1 raise + 1 return per second each), for " + settings.loadSeconds() + " s");
        long loadStart = System.currentTimeMillis();
        fleet.start();
        countDevicesPerNode(fleet, ingest);

        waitUntil(loadStart + settings.taskManagerKillAt() * 1000L);
        // The victim runs some of the alarm job's tasks (the slots are spread over both TaskManagers; if not, the
        // one that has them all) and, where possible, the time-series job's, so that both jobs restore.
        List<String> running = flink.taskManagersRunning(jobId);
        List<String> timeSeriesRunning = flink.taskManagersRunning(timeSeriesJobId);
        String victimId = running.isEmpty() ? "tm-2" : running.get(running.size() - 1);
        for (String tm : timeSeriesRunning) {
            if (running.contains(tm)) {
                victimId = tm;
            }
        }
        ChildProcess victim = flink.taskManagers().get(Integer.parseInt(victimId.substring(3)) - 1);
        say("kill -9 " + victim + " (Flink TaskManager " + victimId + "; the job runs on " + running + ")");
        figure("taskmanager-kill.victim-ran-tasks-of-job-on", running);
        figure("taskmanager-kill.time-series-job-ran-on", timeSeriesRunning);
        faults.taskManagerKilledMs = System.currentTimeMillis();
        victim.kill();
        long detected = awaitFor(Duration.ofSeconds(180), () -> !flink.allTasksRunning(jobId));
        long recovered = awaitFor(Duration.ofSeconds(300), () -> flink.allTasksRunning(jobId));
        figure("taskmanager-kill.job-failure-noticed-after-s", fmt((detected - faults.taskManagerKilledMs) / 1000.0));
        figure("taskmanager-kill.job-running-again-after-s", fmt((recovered - faults.taskManagerKilledMs) / 1000.0));
        say("job restarted on the remaining TaskManager: all tasks RUNNING "
                + fmt((recovered - faults.taskManagerKilledMs) / 1000.0) + " s after the kill ("
                + flink.jobSummary(jobId) + ")");
        long timeSeriesRecovered = awaitFor(Duration.ofSeconds(300), () -> flink.allTasksRunning(timeSeriesJobId));
        figure("taskmanager-kill.time-series-job-running-after-s",
                fmt((timeSeriesRecovered - faults.taskManagerKilledMs) / 1000.0));

        waitUntil(loadStart + settings.brokerKillAt() * 1000L);
        int leader = kafka.quorumLeader();
        faults.brokerKilled = leader;
        ChildProcess broker = kafka.node(leader);
        say("kill -9 " + broker + " (Kafka node " + leader + ": broker and the active KRaft controller)");
        faults.brokerKilledMs = System.currentTimeMillis();
        broker.kill();
        long newController = awaitFor(Duration.ofSeconds(60), () -> {
            try {
                int l = kafka.quorumLeader();
                return l >= 0 && l != leader;
            } catch (Exception e) {
                return false;
            }
        });
        long releaded = awaitFor(Duration.ofSeconds(60), () -> {
            try {
                return kafka.partitionsLedBy(List.of("telemetry", "alarms"), leader) == 0;
            } catch (Exception e) {
                return false;
            }
        });
        figure("broker-kill.new-controller-after-s", fmt((newController - faults.brokerKilledMs) / 1000.0));
        figure("broker-kill.partitions-re-led-after-s", fmt((releaded - faults.brokerKilledMs) / 1000.0));
        say("new KRaft controller after " + fmt((newController - faults.brokerKilledMs) / 1000.0)
                + " s, every telemetry/alarms partition led by a live broker after "
                + fmt((releaded - faults.brokerKilledMs) / 1000.0) + " s");

        waitUntil(loadStart + settings.loadSeconds() * 1000L);
        faults.loadStoppedMs = System.currentTimeMillis();
        fleet.stop();
        fleet.awaitStopped();
        say("load stopped; job: " + flink.jobSummary(jobId));
    }

    /**
     * Every acknowledged reading must reach the time-series store through the time-series job (submitted as a jar
     * like the alarm job, restarted from its checkpoint after the TaskManager kill): per device, the store's rows of
     * its site up to the newest acknowledged batch's timestamp are exactly its acknowledged readings (the table is
     * deduplicated, so a replay does not count twice; a batch written but never acknowledged is later, not counted).
     */
    private void auditTimeSeries(Fleet fleet, Faults faults, TimeSeriesStoreNode store, FlinkSessionCluster flink,
                                 String timeSeriesJobId) {
        say("waiting for every acknowledged reading in the time-series store ...");
        long expected = 0;
        for (SimulatedDevice device : fleet.all()) {
            expected += (long) device.acked().size() * device.readingsPerBatch();
        }
        try {
            Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> allStored(fleet, store));
        } catch (ConditionTimeoutException e) {
            // counted below
        }
        long storedNow;
        try {
            storedNow = storedAckedReadings(fleet, store);
        } catch (Exception e) {
            failures.add("could not read the time-series store: " + e);
            return;
        }
        figure("timeseries.acked-readings", expected);
        figure("timeseries.acked-readings-stored", storedNow);
        figure("timeseries.lost-acked-readings", Math.max(0, expected - storedNow));
        // An upper bound: the audit starts after the Kafka and console audits, and polls once a second.
        figure("timeseries.all-stored-after-load-stop-s",
                fmt((System.currentTimeMillis() - faults.loadStoppedMs) / 1000.0));
        figure("timeseries.job-at-end", flink.jobSummary(timeSeriesJobId));
        if (storedNow != expected) {
            failures.add("the time-series store has " + storedNow + " of the " + expected
                    + " acknowledged readings (per device up to its newest acknowledged batch)");
        }
        say("time-series audit: " + storedNow + " of " + expected + " acknowledged readings stored");
    }

    /** Sum over the devices of the store's rows of the device's site up to its newest acknowledged batch. */
    private static long storedAckedReadings(Fleet fleet, TimeSeriesStoreNode store) throws Exception {
        long sum = 0;
        for (SimulatedDevice device : fleet.all()) {
            if (device.lastAckedTimestampMs() >= 0) {
                sum += store.readingsOf(device.siteId(), device.lastAckedTimestampMs());
            }
        }
        return sum;
    }

    private static boolean allStored(Fleet fleet, TimeSeriesStoreNode store) throws Exception {
        for (SimulatedDevice device : fleet.all()) {
            long acked = (long) device.acked().size() * device.readingsPerBatch();
            if (acked > 0 && store.readingsOf(device.siteId(), device.lastAckedTimestampMs()) != acked) {
                return false;
            }
        }
        return true;
    }

    /**
     * Once every device is connected: how many each node serves, from the nodes' own metrics (a device cannot tell
     * which node HAProxy gave it). Each node also serves one station console.
     */
    private void countDevicesPerNode(Fleet fleet, IngestNodes ingest) {
        int devices = fleet.all().size();
        int consoles = ingest.count();
        try {
            Awaitility.await("all " + devices + " devices connected").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500)).until(() -> {
                        double connected = 0;
                        for (int node = 0; node < ingest.count(); node++) {
                            connected += ingest.meter(node, CONNECTED_CLIENTS);
                        }
                        return connected >= devices + consoles;
                    });
            List<Long> perNode = new ArrayList<>();
            for (int node = 0; node < ingest.count(); node++) {
                long count = Math.round(ingest.meter(node, CONNECTED_CLIENTS)) - 1;
                perNode.add(count);
                figure("ingest.node-" + (node + 1) + ".devices-connected", count);
                if (count <= 0) {
                    failures.add("ingest node " + (node + 1) + " got no device: the load was not spread");
                }
            }
            say("devices per ingest node: " + perNode);
        } catch (Exception e) {
            failures.add("could not count the devices per ingest node: " + e);
        }
    }

    private void audit(Fleet fleet, Faults faults, LocalKafkaCluster kafka, FlinkSessionCluster flink, String jobId,
                       StationConsole console1, StationConsole console2, IngestNodes ingest) {
        // Throughput, from what the devices got acknowledged; the share of each node from its own metrics.
        Throughput throughput = Throughput.of(fleet, faults);
        throughput.report(out, figures);
        for (int node = 0; node < ingest.count(); node++) {
            try {
                long accepted = Math.round(ingest.meter(node, PUBLISHES_ACCEPTED));
                figure("ingest.node-" + (node + 1) + ".publishes-accepted", accepted);
                if (accepted == 0) {
                    failures.add("ingest node " + (node + 1) + " accepted no publish: the load was not spread");
                }
            } catch (Exception e) {
                failures.add("could not read ingest node " + (node + 1) + "'s metrics: " + e);
            }
        }

        // Alarms: what the acknowledged readings imply, against what each console received.
        List<ExpectedTransition> expected = fleet.expectedTransitions(RULE_ID, ALARM_CYCLE);
        say("waiting for " + expected.size() + " expected alarm transitions at both consoles ...");
        try {
            Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250))
                    .until(() -> expected.stream().allMatch(t -> console1.arrival(t.key()) != null
                            && console2.arrival(t.key()) != null));
        } catch (ConditionTimeoutException e) {
            // counted below
        }
        for (StationConsole console : List.of(console1, console2)) {
            long missing = expected.stream().filter(t -> console.arrival(t.key()) == null).count();
            figure("alarms." + console.name() + ".expected", expected.size());
            figure("alarms." + console.name() + ".missing", missing);
            figure("alarms." + console.name() + ".messages-received", console.messages());
            if (missing > 0) {
                failures.add(console.name() + " is missing " + missing + " of " + expected.size()
                        + " expected alarm transitions, e.g. " + expected.stream()
                        .filter(t -> console.arrival(t.key()) == null).limit(5).map(ExpectedTransition::key).toList());
            }
            AlarmLatency.of(expected, console, faults).report(console.name(), out, figures);
        }
        if (expected.isEmpty()) {
            failures.add("no alarm transition was expected: the alarm devices did not get through");
        }

        // Telemetry: every acknowledged batch must be in the topic.
        say("reading the telemetry topic back ...");
        TelemetryTopicAudit topic = TelemetryTopicAudit.read(kafka.bootstrapServers(), "telemetry");
        long ackedBatches = 0;
        long lostBatches = 0;
        long lostReadings = 0;
        List<String> lostExamples = new ArrayList<>();
        for (SimulatedDevice device : fleet.all()) {
            String[] siteAndDevice = device.key().split("/");
            for (Long sequence : device.acked().keySet()) {
                ackedBatches++;
                if (!topic.batches.contains(TelemetryTopicAudit.batchKey(siteAndDevice[0], siteAndDevice[1],
                        sequence))) {
                    lostBatches++;
                    lostReadings += device.readingsPerBatch();
                    if (lostExamples.size() < 5) {
                        lostExamples.add(device.key() + "#" + sequence);
                    }
                }
            }
        }
        figure("telemetry.acked-batches", ackedBatches);
        figure("telemetry.acked-readings", throughput.totalReadings);
        figure("telemetry.topic-records", topic.records);
        figure("telemetry.topic-distinct-batches", topic.batches.size());
        figure("telemetry.duplicate-records", topic.records - topic.batches.size() - topic.unparseable);
        figure("telemetry.lost-acked-batches", lostBatches);
        figure("telemetry.lost-acked-readings", lostReadings);
        if (lostBatches > 0) {
            failures.add(lostBatches + " acknowledged batches (" + lostReadings
                    + " readings) are not in the telemetry topic, e.g. " + lostExamples);
        }
        say("telemetry audit: " + ackedBatches + " acknowledged batches, " + lostBatches + " missing from the topic ("
                + topic.records + " records, " + topic.batches.size() + " distinct)");
        figure("flink.job-at-end", flink.jobSummary(jobId));
    }

    // --- helpers ---------------------------------------------------------------------------------------

    private void say(String line) {
        out.println(Instant.now() + "  " + line);
    }

    private void figure(String key, Object value) {
        figures.put(key, String.valueOf(value));
    }

    private static String seconds(long sinceNanos) {
        return fmt((System.nanoTime() - sinceNanos) / 1e9);
    }

    static String fmt(double value) {
        return String.format("%.1f", value);
    }

    /** Waits until a wall-clock time: the fault schedule is a script, not a synchronisation point. */
    private static void waitUntil(long wallClockMs) throws InterruptedException {
        long wait = wallClockMs - System.currentTimeMillis();
        if (wait > 0) {
            TimeUnit.MILLISECONDS.sleep(wait);
        }
    }

    /** Polls every 100 ms until the condition holds; returns the wall-clock ms when it first did. */
    private static long awaitFor(Duration atMost, BooleanSupplier condition) {
        Awaitility.await().atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
                .until(condition::getAsBoolean);
        return System.currentTimeMillis();
    }

    private static void awaitTrue(String what, Duration atMost, BooleanSupplier condition) {
        Awaitility.await(what).atMost(atMost).pollInterval(Duration.ofMillis(250)).until(condition::getAsBoolean);
    }

    private static void closeAll(List<AutoCloseable> parts) {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                System.err.println("stopping " + parts.get(i) + " failed: " + e);
            }
        }
        parts.clear();
    }

    /** Writes to two streams: the terminal and the report file. */
    private static final class TeeStream extends PrintStream {
        private final PrintStream second;

        TeeStream(PrintStream first, PrintStream second) {
            super(first, true, StandardCharsets.UTF_8);
            this.second = second;
        }

        @Override
        public void write(byte[] buf, int off, int len) {
            super.write(buf, off, len);
            second.write(buf, off, len);
        }

        @Override
        public void flush() {
            super.flush();
            second.flush();
        }
    }
}
