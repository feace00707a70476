package io.tocsin.standalone.bench;

import com.sun.management.OperatingSystemMXBean;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tocsin.jobs.alarms.RuleFileText;
import io.tocsin.jobs.registry.RegistryFileText;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.standalone.Platform;
import io.tocsin.standalone.ScratchDirectory;
import io.tocsin.standalone.timeseries.StoreSql;
import io.tocsin.standalone.demo.MessageArrivedCallback;
import io.tocsin.standalone.demo.city.GatewayConnection;
import io.tocsin.standalone.demo.city.LatencyRecorder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.concurrent.CompletionStage;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;

/**
 * Benchmark harness (not a test): end-to-end alarm latency through the real standalone {@link Platform} (ingest,
 * embedded Kafka, the alarm job and the time-series job on the Flink MiniCluster, the alarm fan-out) while a
 * background load of gateways publishes readings over MQTT.
 *
 * <p>For each load level (readings/s, ascending; the load of a level keeps running in the next) it waits for a
 * warm-up, then a probe gateway publishes, at a steady pace, single-reading batches whose reading crosses the
 * first-level gas set point (40 %LEL, set point 25), each on a fresh sensor. Latency of a probe = arrival of its
 * ACTIVE alarm at a station console (a Paho MQTT 5 client subscribed at QoS 1) minus the moment just before the
 * probe's publish, both on this JVM's monotonic clock. A probe whose alarm takes longer than 20 s is counted
 * as late; one that has not arrived 120 s after the last level is lost.
 * As a breakdown, the alarm record's Kafka timestamp (written by the alarm job's producer) splits the path into
 * "device to alarm in Kafka" (ingest, Kafka, Flink) and "Kafka to station" (fan-out consumer, MQTT).
 *
 * <p>When the platform runs the station console (web page), the same probes are also timed to their push on the
 * console's WebSocket, logged in as the probe site's station.
 *
 * <p>Background load: gateways of 1,000 gas heads each, every head reporting once a second, each gateway
 * publishing a batch of 100 readings every 100 ms (what a real gateway's batching looks like). The figures
 * print as a table with the machine's load average, which matters on a shared machine. The CPU column counts the
 * platform's process and its children (the time-series process, {@link Platform.TimeSeriesPlacement}); with
 * {@code -Dbench.timeSeries=IN_PROCESS} the history side runs in the platform's JVM instead, for an A/B.
 * {@code -Dbench.checkpointSeconds=N} sets the jobs' checkpoint interval (default the platform's), and
 * {@code -Dbench.probeLog=file.csv} writes every probe's send time and latencies, to line slow probes up with
 * checkpoints and garbage collections.
 *
 * <pre>
 * ./mvnw -B -q -o test-compile -pl standalone -Dtocsin.target=target-h5
 * ./mvnw -B -q -o dependency:build-classpath -pl standalone -Dmdep.outputFile=/tmp/sa-cp.txt -Dmdep.includeScope=test
 * java --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED \
 *   -cp "standalone/target-h5/test-classes:standalone/target-h5/classes:$(cat /tmp/sa-cp.txt)" \
 *   io.tocsin.standalone.bench.AlarmLatencyBenchmark [levels=0,10000,50000] [probes=200] [probesPerSecond=10] [warmUpSeconds=15]
 * </pre>
 */
public final class AlarmLatencyBenchmark {

    private static final String PROBE_SITE = "bench-probe";
    private static final String STATION = "station-bench";
    private static final int SENSORS_PER_GATEWAY = 1_000;
    private static final long LOAD_TICK_MS = 100;
    private static final Duration GRACE = Duration.ofSeconds(20);
    private static final Duration STRAGGLERS = Duration.ofSeconds(120);

    /** What one load level measured, summarised once the stragglers had their chance. */
    private record LevelRun(int level, double achieved, boolean drained, double cpu, double childCpu,
                            List<String> probes,
                            String loadAverage, String historyBehind) {
    }

    private final OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final Map<String, Long> probeSentNanos = new ConcurrentHashMap<>();
    private final Map<String, Long> probeArrivedNanos = new ConcurrentHashMap<>();
    private final Map<String, Long> probeOnWebSocketNanos = new ConcurrentHashMap<>();
    private boolean webSocketConnected;
    private final Map<String, Long> probeInKafkaMs = new ConcurrentHashMap<>();
    private final Map<String, Long> probeTelemetryInKafkaMs = new ConcurrentHashMap<>();
    private final Map<String, Long> probeSentWallMs = new ConcurrentHashMap<>();
    private final LongAdder loadReadingsAcknowledged = new LongAdder();
    private final List<GatewayConnection> loadGateways = new ArrayList<>();
    private EventLoopGroup loops;

    private AlarmLatencyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> levels = new ArrayList<>();
        for (String level : (args.length > 0 ? args[0] : "0,10000,50000").split(",")) {
            levels.add(Integer.parseInt(level.trim()));
        }
        int probes = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        double probesPerSecond = args.length > 2 ? Double.parseDouble(args[2]) : 10;
        int warmUpSeconds = args.length > 3 ? Integer.parseInt(args[3]) : 15;
        new AlarmLatencyBenchmark().run(levels, probes, probesPerSecond, warmUpSeconds);
        System.exit(0);
    }

    /** CPU time of this process and of its children (the time-series process), in nanoseconds. */
    private static long cpuNanos(OperatingSystemMXBean os) {
        return os.getProcessCpuTime() + childCpuNanos();
    }

    /** CPU time of this process's children only. */
    private static long childCpuNanos() {
        return ProcessHandle.current().descendants()
                .mapToLong(child -> child.info().totalCpuDuration().map(Duration::toNanos).orElse(0L))
                .sum();
    }

    private void run(List<Integer> levels, int probes, double probesPerSecond, int warmUpSeconds) throws Exception {
        ScratchDirectory scratch = ScratchDirectory.create("tocsin-latency"); // the platform's data, deleted after
        Path dir = scratch.path();
        String registry = "sites:\n  " + PROBE_SITE + ":\n    name: Latency probe\n    risk: MAJOR\n    stations: ["
                + STATION + "]\n";
        Platform.Settings settings = Platform.Settings.builder(dir).ports(Platform.Ports.ephemeral())
                .rules(RuleFileText.shippedDefault())
                .registry(new RegistryFileText("latency bench registry", registry))
                .timeSeries(Platform.TimeSeriesPlacement.valueOf(System.getProperty("bench.timeSeries",
                        Platform.TimeSeriesPlacement.OWN_PROCESS.name())))
                .checkpointInterval(Duration.ofSeconds(Long.getLong("bench.checkpointSeconds",
                        Platform.Settings.DEFAULT_CHECKPOINT_INTERVAL.toSeconds())))
                .build();
        List<String> rows = new ArrayList<>();
        List<LevelRun> runs = new ArrayList<>();
        try (scratch; Platform platform = Platform.start(settings)) {
            URI mqtt = URI.create(platform.mqttUri());
            loops = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-load", true),
                    NioIoHandler.newFactory());
            MqttClient station = stationConsole(platform.mqttUri());
            WebSocket webConsole = webConsole(platform.consoleUrl());
            Thread kafkaWatch = watchAlarmTopic(platform.kafka().bootstrapServers(), platform);
            GatewayConnection probe = new GatewayConnection(loops.next(), mqtt.getHost(), mqtt.getPort(), PROBE_SITE,
                    "gw-probe", GatewayConnection.counting(b -> { }));
            probe.goOnline();
            waitUntil(probe::isReady, Duration.ofSeconds(30), "the probe gateway did not connect");
            int probeNo = 0;
            for (int level : levels) {
                int gateways = (level + SENSORS_PER_GATEWAY - 1) / SENSORS_PER_GATEWAY;
                while (loadGateways.size() < gateways) {
                    startLoadGateway(mqtt, loadGateways.size());
                }
                System.out.printf("level %,d readings/s: %d load gateways, warming up %d s%n", level, gateways,
                        warmUpSeconds);
                TimeUnit.SECONDS.sleep(warmUpSeconds); // pacing of the harness, not synchronisation
                // Steady state, not the start-up backlog: canaries until one's alarm comes back within 500 ms.
                boolean drained = false;
                long canaryDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                while (!drained && System.nanoTime() < canaryDeadline) {
                    String canary = String.format("gas-canary-%05d", ++probeNo);
                    long sent = System.nanoTime();
                    probe.publish(crossing(canary, probeNo));
                    long until = sent + TimeUnit.MILLISECONDS.toNanos(1_000);
                    while (System.nanoTime() < until && !probeArrivedNanos.containsKey(canary)) {
                        TimeUnit.MILLISECONDS.sleep(5); // polling the canary, bounded
                    }
                    Long arrived = probeArrivedNanos.get(canary);
                    drained = arrived != null && arrived - sent < TimeUnit.MILLISECONDS.toNanos(500);
                }
                System.out.printf("level %,d: backlog %s%n", level, drained ? "drained" : "NOT drained in 90 s");
                long readings0 = loadReadingsAcknowledged.sum();
                long t0 = System.nanoTime();
                long cpu0 = cpuNanos(os);
                long childCpu0 = childCpuNanos();
                List<String> levelProbes = new ArrayList<>();
                long intervalNanos = (long) (1e9 / probesPerSecond);
                for (int i = 0; i < probes; i++) {
                    long due = t0 + i * intervalNanos;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait); // pacing
                    }
                    String sensor = String.format("gas-probe-%05d", ++probeNo);
                    levelProbes.add(sensor);
                    TelemetryBatch batch = crossing(sensor, probeNo);
                    probeSentWallMs.put(sensor, batch.getReadings(0).getTimestampMs());
                    probeSentNanos.put(sensor, System.nanoTime());
                    probe.publish(batch);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                double achieved = (loadReadingsAcknowledged.sum() - readings0) / seconds;
                double cpu = (cpuNanos(os) - cpu0) / 1e9 / seconds;
                double childCpu = (childCpuNanos() - childCpu0) / 1e9 / seconds;
                String historyBehind = historyBehind(platform.timeSeriesUrl());
                long deadline = System.nanoTime() + GRACE.toNanos();
                while (System.nanoTime() < deadline && !levelProbes.stream().allMatch(probeArrivedNanos::containsKey)) {
                    TimeUnit.MILLISECONDS.sleep(50); // polling for stragglers, bounded by the grace period
                }
                LevelRun run = new LevelRun(level, achieved, drained, cpu, childCpu, levelProbes, loadAverage(),
                        historyBehind);
                runs.add(run);
                System.out.println(summarise(run));
            }
            // A probe not in within the grace period may still be queued behind a backlog: wait for stragglers so
            // that "lost" means never delivered, not late.
            long deadline = System.nanoTime() + STRAGGLERS.toNanos();
            while (System.nanoTime() < deadline
                    && !probeSentNanos.keySet().stream().allMatch(probeArrivedNanos::containsKey)) {
                TimeUnit.MILLISECONDS.sleep(100); // polling for stragglers, bounded
            }
            runs.forEach(run -> rows.add(summarise(run)));
            probe.close();
            loadGateways.forEach(GatewayConnection::close);
            kafkaWatch.interrupt();
            if (webConsole != null) {
                webConsole.abort();
            }
            station.disconnect();
            station.close();
        } finally {
            if (loops != null) {
                loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        }
        System.out.println();
        System.out.println("Alarm latency, device publish -> station console (MQTT), standalone default, "
                + Runtime.getRuntime().availableProcessors() + " cores");
        System.out.println("| background target | achieved readings/s | backlog drained | probes | p50 | p99 | max "
                + "| later than 20 s | lost "
                + "| device->telemetry in Kafka (ingest) p50/p99 ms | ->alarm in Kafka (alarm job) p50/p99 ms "
                + "| ->station (fan-out, MQTT) p50/p99 ms | CPU of the platform's processes, of which history (cores) "
                + "| load average 1/5/15 "
                + "| history behind at the level's end |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
        String probeLog = System.getProperty("bench.probeLog");
        if (probeLog != null) {
            writeProbeLog(Path.of(probeLog), runs);
        }
        if (webSocketConnected) {
            System.out.println();
            System.out.println("Alarm latency, device publish -> web console (WebSocket, logged in as " + STATION + ")");
            System.out.println("| background target | probes | p50 | p99 | max | lost |");
            System.out.println("|---|---|---|---|---|---|");
            runs.forEach(run -> System.out.println(webSocketRow(run)));
        } else {
            System.out.println("Web console (WebSocket): not measured: the platform started no station console.");
        }
    }

    /**
     * One line per probe, to line the slow ones up with garbage collections ({@code -Xlog:gc}) and checkpoints:
     * level, sensor, wall-clock send time (ms), total, device->telemetry in Kafka and ->alarm in Kafka (ms; -1 when
     * not seen).
     */
    private void writeProbeLog(Path file, List<LevelRun> runs) throws java.io.IOException {
        List<String> lines = new ArrayList<>();
        lines.add("level,sensor,sent_wall_ms,total_ms,to_telemetry_ms,to_alarm_ms");
        for (LevelRun run : runs) {
            for (String sensor : run.probes()) {
                Long arrived = probeArrivedNanos.get(sensor);
                long sentMs = probeSentWallMs.get(sensor);
                Long telemetryMs = probeTelemetryInKafkaMs.get(sensor);
                Long alarmMs = probeInKafkaMs.get(sensor);
                lines.add(String.format("%d,%s,%d,%.1f,%d,%d", run.level(), sensor, sentMs,
                        arrived == null ? -1 : (arrived - probeSentNanos.get(sensor)) / 1e6,
                        telemetryMs == null ? -1 : telemetryMs - sentMs,
                        alarmMs == null || telemetryMs == null ? -1 : alarmMs - telemetryMs));
            }
        }
        Files.write(file, lines);
        System.out.println("Probe log: " + file.toAbsolutePath());
    }

    private String webSocketRow(LevelRun run) {
        LatencyRecorder ws = new LatencyRecorder();
        int lost = 0;
        for (String sensor : run.probes()) {
            Long arrived = probeOnWebSocketNanos.get(sensor);
            if (arrived == null) {
                lost++;
            } else {
                ws.record((arrived - probeSentNanos.get(sensor)) / 1000);
            }
        }
        LatencyRecorder.Percentiles p = ws.percentiles();
        return String.format("| %,d | %d | %.1f ms | %.1f ms | %.1f ms | %d |", run.level(), run.probes().size(),
                p.p50Ms(), p.p99Ms(), p.maxMs(), lost);
    }

    /**
     * The station console's WebSocket as a browser opens it: log in ({@code POST /api/login}), then {@code /ws}
     * with the session cookie; every {@code alarm} push of a probe's first-level alarm is noted. Null when the
     * platform has no console.
     */
    private WebSocket webConsole(String consoleUrl) throws Exception {
        if (consoleUrl == null) {
            return null;
        }
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(consoleUrl + "api/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + STATION + "\",\"password\":\"bench\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        String cookie = login.headers().firstValue("set-cookie").map(c -> c.split(";", 2)[0]).orElse(null);
        if (login.statusCode() != 200 || cookie == null) {
            System.out.println("web console login failed: " + login.statusCode() + " " + login.body());
            return null;
        }
        ObjectMapper json = new ObjectMapper();
        WebSocket ws = http.newWebSocketBuilder().header("Cookie", cookie)
                .buildAsync(URI.create(consoleUrl.replace("http://", "ws://") + "ws"), new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                        long now = System.nanoTime();
                        text.append(data);
                        if (last) {
                            try {
                                JsonNode message = json.readTree(text.toString());
                                JsonNode alarm = message.path("alarm");
                                if (message.path("type").asText().equals("alarm")
                                        && alarm.path("ruleId").asText().equals("gas-high-1")
                                        && alarm.path("siteId").asText().equals(PROBE_SITE)) {
                                    probeOnWebSocketNanos.putIfAbsent(alarm.path("sensorId").asText(), now);
                                }
                            } catch (Exception e) {
                                System.err.println("web console: unreadable message: " + e);
                            }
                            text.setLength(0);
                        }
                        socket.request(1);
                        return null;
                    }
                }).get(30, TimeUnit.SECONDS);
        webSocketConnected = true;
        return ws;
    }

    /** A batch of one reading at 40 %LEL: above the first-level set point (25 %LEL), below the second (50). */
    private static TelemetryBatch crossing(String sensor, long sequence) {
        return TelemetryBatch.newBuilder().setSiteId(PROBE_SITE).setDeviceId("gw-probe").setSequence(sequence)
                .addReadings(Reading.newBuilder().setSensorId(sensor).setTimestampMs(System.currentTimeMillis())
                        .setValue(40).setQuality(Quality.QUALITY_GOOD).setUnit("%LEL")).build();
    }

    private String summarise(LevelRun run) {
        List<String> sensors = run.probes();
        LatencyRecorder total = new LatencyRecorder();
        LatencyRecorder ingest = new LatencyRecorder();
        LatencyRecorder job = new LatencyRecorder();
        LatencyRecorder fanout = new LatencyRecorder();
        int lost = 0;
        int late = 0;
        for (String sensor : sensors) {
            Long sent = probeSentNanos.get(sensor);
            Long arrived = probeArrivedNanos.get(sensor);
            if (arrived == null) {
                lost++;
                continue;
            }
            long micros = (arrived - sent) / 1000;
            if (micros > GRACE.toNanos() / 1000) {
                late++;
            }
            total.record(micros);
            Long telemetryMs = probeTelemetryInKafkaMs.get(sensor);
            Long alarmMs = probeInKafkaMs.get(sensor);
            if (telemetryMs != null && alarmMs != null) {
                // Wall-clock milliseconds: Kafka timestamps have no finer resolution.
                long sentMs = probeSentWallMs.get(sensor);
                ingest.record(Math.max(0, telemetryMs - sentMs) * 1000);
                job.record(Math.max(0, alarmMs - telemetryMs) * 1000);
                fanout.record(Math.max(0, micros - (alarmMs - sentMs) * 1000));
            }
        }
        LatencyRecorder.Percentiles p = total.percentiles();
        LatencyRecorder.Percentiles i = ingest.percentiles();
        LatencyRecorder.Percentiles j = job.percentiles();
        LatencyRecorder.Percentiles f = fanout.percentiles();
        return String.format("| %,d | %,.0f | %s | %d | %.1f ms | %.1f ms | %.1f ms | %d | %d | %.0f / %.0f "
                        + "| %.0f / %.0f | %.0f / %.0f | %.2f, %.2f | %s | %s |", run.level(), run.achieved(),
                run.drained() ? "yes" : "NO", sensors.size(), p.p50Ms(), p.p99Ms(), p.maxMs(), late, lost,
                i.p50Ms(), i.p99Ms(), j.p50Ms(), j.p99Ms(), f.p50Ms(), f.p99Ms(), run.cpu(), run.childCpu(),
                run.loadAverage(),
                run.historyBehind());
    }

    private void startLoadGateway(URI mqtt, int index) {
        String site = String.format("load-%03d", index);
        GatewayConnection connection = new GatewayConnection(loops.next(), mqtt.getHost(), mqtt.getPort(), site,
                "gw-1", GatewayConnection.counting(b -> loadReadingsAcknowledged.add(b.getReadingsCount())));
        connection.goOnline();
        loadGateways.add(connection);
        int perTick = (int) (SENSORS_PER_GATEWAY * LOAD_TICK_MS / 1000);
        // Made once: String.format per reading took a sixth of the machine's CPU at 50,000 readings/s (JFR),
        // CPU the platform under test then did not get.
        String[] sensorIds = new String[SENSORS_PER_GATEWAY];
        Arrays.setAll(sensorIds, i -> String.format("gas-%04d", i));
        long[] tick = {0};
        connection.eventLoop().scheduleAtFixedRate(() -> {
            long now = System.currentTimeMillis();
            int slice = (int) (tick[0]++ % (1000 / LOAD_TICK_MS));
            TelemetryBatch.Builder batch = TelemetryBatch.newBuilder().setSiteId(site).setDeviceId("gw-1")
                    .setSequence(tick[0]);
            for (int i = 0; i < perTick; i++) {
                int sensor = slice * perTick + i;
                batch.addReadings(Reading.newBuilder().setSensorId(sensorIds[sensor])
                        .setTimestampMs(now).setValue(1 + (sensor % 7) * 0.1).setQuality(Quality.QUALITY_GOOD)
                        .setUnit("%LEL"));
            }
            connection.publish(batch.build());
        }, (index * 7) % LOAD_TICK_MS, LOAD_TICK_MS, TimeUnit.MILLISECONDS);
    }

    private MqttClient stationConsole(String serverUri) throws Exception {
        MqttClient client = new MqttClient(serverUri, STATION, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        client.setCallback(new MessageArrivedCallback((topic, message) -> {
            long now = System.nanoTime();
            try {
                AlarmEvent alarm = AlarmEvent.parseFrom(message.getPayload());
                if (alarm.getState() == AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED
                        && alarm.getRuleId().equals("gas-high-1")) {
                    probeArrivedNanos.putIfAbsent(alarm.getSensorId(), now);
                }
            } catch (Exception e) {
                System.err.println("station: not an alarm event: " + e);
            }
        }));
        client.connect(options);
        client.subscribe(MqttTopics.alarms(PROBE_SITE), 1);
        return client;
    }

    /**
     * Notes when each probe's reading was written to the telemetry topic (by ingest) and its alarm to the alarms
     * topic (by the alarm job): the records' producer timestamps. Telemetry records are batches (a few hundred a
     * second at 50k readings/s), and only the probe's are decoded, so this costs little.
     */
    private Thread watchAlarmTopic(String bootstrap, Platform platform) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "latency-bench");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        // Only the records' Kafka timestamps are used, so fetching in large batches changes no figure; a fetch
        // per gateway batch would spend the platform's broker CPU on the harness.
        props.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 256 * 1024);
        props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 250);
        Thread t = new Thread(() -> {
            try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
                String telemetryTopic = Platform.Topics.standard().telemetry();
                consumer.subscribe(List.of(Platform.Topics.standard().alarms(), telemetryTopic));
                while (!Thread.currentThread().isInterrupted()) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        if (r.topic().equals(telemetryTopic)) {
                            if (r.key() != null && r.key().startsWith(PROBE_SITE + "/")) {
                                try {
                                    TelemetryBatch batch = TelemetryBatch.parseFrom(r.value());
                                    batch.getReadingsList().forEach(reading -> probeTelemetryInKafkaMs
                                            .putIfAbsent(reading.getSensorId(), r.timestamp()));
                                } catch (Exception e) {
                                    // not a batch: ingest would not have written it
                                }
                            }
                            continue;
                        }
                        try {
                            AlarmEvent alarm = AlarmEvent.parseFrom(r.value());
                            if (alarm.getSiteId().equals(PROBE_SITE) && alarm.getRuleId().equals("gas-high-1")
                                    && alarm.getState() == AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED) {
                                probeInKafkaMs.putIfAbsent(alarm.getSensorId(), r.timestamp());
                            }
                        } catch (Exception e) {
                            // not an alarm event: the fan-out counts those
                        }
                    }
                }
            } catch (org.apache.kafka.common.errors.InterruptException e) {
                // stopping
            }
        }, "latency-bench-alarm-topic");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition, Duration timeout, String failure)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(failure);
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    /**
     * How far the time-series store is behind: now minus the newest reading it holds (readings carry the time they
     * were sent). With the store at a lower CPU priority, history is what waits when the machine is saturated.
     */
    private static String historyBehind(String storeUrl) {
        try {
            String json = new StoreSql(storeUrl).query("SELECT max(timestamp) FROM reading");
            int start = json.indexOf("\"dataset\":[[\"");
            if (start < 0) {
                return "nothing stored";
            }
            String newest = json.substring(start + 13, json.indexOf('"', start + 13));
            return String.format("%.1f s", (System.currentTimeMillis() - Instant.parse(newest).toEpochMilli()) / 1e3);
        } catch (RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " / " + f[1] + " / " + f[2];
        } catch (Exception e) {
            return "n/a";
        }
    }
}
