package io.tocsin.standalone.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tocsin.standalone.LoopbackPorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Flink session cluster of separate processes, started the way Flink's own scripts start them but without
 * flink-dist (not served by the registry here): a JobManager ({@code StandaloneSessionClusterEntrypoint}) and
 * TaskManagers ({@code TaskManagerRunner}), each a JVM on a classpath of Flink's own artifacts (see
 * deploy/local-cluster/flink-classpath/pom.xml) with a generated {@code config.yaml}. Jobs are submitted as a
 * jar through the JobManager's REST API ({@code POST /jars/upload}, {@code POST /jars/:id/run}), exactly as
 * {@code flink run} or the web UI do.
 */
final class FlinkSessionCluster implements AutoCloseable {

    /**
     * The alarm job (parallelism 2) and the time-series job (1) must both fit on one TaskManager once the other
     * one is killed.
     */
    static final int SLOTS_PER_TASK_MANAGER = 3;
    /** Generous: on a 2-core machine shared with other builds a JVM has taken minutes to start. */
    static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(420);
    private static final Logger log = LoggerFactory.getLogger(FlinkSessionCluster.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final String classpath;
    private final int restPort = LoopbackPorts.free();
    private final int rpcPort = LoopbackPorts.free();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private ChildProcess jobManager;
    private final List<ChildProcess> taskManagers = new ArrayList<>();

    FlinkSessionCluster(Path dir, String classpath) {
        this.dir = dir;
        this.classpath = classpath;
    }

    /** Writes config.yaml and starts the JobManager; waits until its REST API answers. */
    FlinkSessionCluster startJobManager() throws IOException {
        writeConfig();
        List<String> jvm = new ArrayList<>(List.of("-Xmx768m", "-Xms256m", "-XX:+UseG1GC",
                "-XX:ActiveProcessorCount=2"));
        jvm.addAll(logOptions("jobmanager"));
        jvm.addAll(ChildProcess.JAVA_17_OPENS);
        jobManager = ChildProcess.startJava("flink-jobmanager", dir.resolve("logs"), jvm, classpath,
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                List.of("--configDir", confDir().toString()));
        Awaitility.await("Flink JobManager REST on " + restUrl() + " (log " + jobManager.log() + ")")
                .atMost(STARTUP_TIMEOUT).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    if (!jobManager.isAlive()) {
                        throw new IllegalStateException(jobManager + " exited; see " + jobManager.log());
                    }
                    return getOrNull("/overview") != null;
                });
        log.info("Flink JobManager {} serves REST on {}", jobManager, restUrl());
        return this;
    }

    /** Starts a TaskManager with id {@code tm-<n>}; returns it once the JobManager lists it. */
    ChildProcess startTaskManager(int n) throws IOException {
        int before = registeredTaskManagers();
        List<String> jvm = new ArrayList<>(List.of("-Xmx1g", "-Xms1g", "-XX:MaxDirectMemorySize=256m",
                "-XX:MaxMetaspaceSize=256m", "-XX:+UseG1GC", "-XX:ActiveProcessorCount=2"));
        jvm.addAll(logOptions("taskmanager-" + n));
        jvm.addAll(ChildProcess.JAVA_17_OPENS);
        ChildProcess tm = ChildProcess.startJava("flink-taskmanager-" + n, dir.resolve("logs"), jvm, classpath,
                "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                List.of("--configDir", confDir().toString(), "-Dtaskmanager.resource-id=tm-" + n));
        taskManagers.add(tm);
        Awaitility.await("Flink TaskManager tm-" + n + " registered (log " + tm.log() + ")")
                .atMost(STARTUP_TIMEOUT).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    if (!tm.isAlive()) {
                        throw new IllegalStateException(tm + " exited; see " + tm.log());
                    }
                    return registeredTaskManagers() > before;
                });
        log.info("Flink TaskManager {} registered", tm);
        return tm;
    }

    private List<String> logOptions(String name) {
        return List.of("-Dlog4j2.configurationFile=" + confDir().resolve("log4j2.properties").toAbsolutePath(),
                "-Dlog.file=" + dir.resolve("logs").resolve("flink-" + name + ".log").toAbsolutePath());
    }

    private Path confDir() {
        return dir.resolve("flink-conf");
    }

    private void writeConfig() throws IOException {
        Files.createDirectories(confDir());
        Path work = dir.resolve("flink-work").toAbsolutePath();
        Files.createDirectories(work);
        // Flink 2 reads config.yaml (standard YAML; flat keys are fine).
        Files.writeString(confDir().resolve("config.yaml"), String.join("\n",
                "# Tocsin local cluster: Flink session cluster (generated by FlinkSessionCluster)",
                "jobmanager.rpc.address: 127.0.0.1",
                "jobmanager.rpc.port: " + rpcPort,
                "jobmanager.bind-host: 127.0.0.1",
                "jobmanager.memory.process.size: 1100m",
                "rest.address: 127.0.0.1",
                "rest.bind-address: 127.0.0.1",
                "rest.port: " + restPort,
                "web.submit.enable: true",
                "web.upload.dir: " + work.resolve("uploads"),
                "web.tmpdir: " + work.resolve("web"),
                "io.tmp.dirs: " + work.resolve("tmp"),
                "blob.storage.directory: " + work.resolve("blobs"),
                "taskmanager.host: 127.0.0.1",
                "taskmanager.bind-host: 127.0.0.1",
                "taskmanager.numberOfTaskSlots: " + SLOTS_PER_TASK_MANAGER,
                // Spread a job's subtasks over the TaskManagers, so that killing one really hits running tasks.
                "taskmanager.load-balance.mode: SLOTS",
                "parallelism.default: 2",
                // A TaskManager started without Flink's scripts must name every memory pool itself (the scripts
                // compute and pass them). Heap: framework 128m + task 896m = the 1g of -Xmx.
                "taskmanager.cpu.cores: 1",
                "taskmanager.memory.framework.heap.size: 128m",
                "taskmanager.memory.task.heap.size: 896m",
                "taskmanager.memory.framework.off-heap.size: 128m",
                "taskmanager.memory.task.off-heap.size: 0m",
                "taskmanager.memory.network.min: 64m",
                "taskmanager.memory.network.max: 64m",
                "taskmanager.memory.managed.size: 64m",
                "taskmanager.memory.jvm-metaspace.size: 256m",
                "taskmanager.memory.jvm-overhead.min: 192m",
                "taskmanager.memory.jvm-overhead.max: 192m",
                // A killed TaskManager's closed port fails two heartbeat RPCs in a row (heartbeat.rpc-failure-
                // threshold) and it is declared dead within ~2 s; a live but starved one (a busy 2-core machine,
                // a GC pause) gets 20 s. 5 s here restarted the job for TaskManagers that were only slow.
                "heartbeat.interval: 1000",
                "heartbeat.timeout: 20000",
                "state.backend.type: hashmap",
                "execution.checkpointing.dir: " + dir.resolve("checkpoints").toAbsolutePath().toUri(),
                ""));
        Files.writeString(confDir().resolve("log4j2.properties"), String.join("\n",
                "appender.out.type = Console",
                "appender.out.name = out",
                "appender.out.layout.type = PatternLayout",
                "appender.out.layout.pattern = %d{HH:mm:ss.SSS} %-5p [%t] %c{1} - %m%n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.out.ref = out",
                "logger.kafka.name = org.apache.kafka",
                "logger.kafka.level = WARN",
                "logger.pekko.name = org.apache.pekko",
                "logger.pekko.level = WARN",
                ""));
    }

    /** Uploads a job jar ({@code POST /jars/upload}) and returns the id the JobManager gave it. */
    String uploadJar(Path jar) throws IOException, InterruptedException {
        String boundary = "----tocsin" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                + jar.getFileName() + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.write(Files.readAllBytes(jar));
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(restUrl() + "/jars/upload"))
                .timeout(Duration.ofSeconds(120))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        JsonNode answer = send(request);
        String filename = answer.path("filename").asText();
        if (!"success".equals(answer.path("status").asText()) || filename.isEmpty()) {
            throw new IllegalStateException("jar upload refused: " + answer);
        }
        return Path.of(filename).getFileName().toString();
    }

    /** Runs an uploaded jar's main class ({@code POST /jars/:id/run}); returns the job id. */
    String runJar(String jarId, String entryClass, List<String> args, int parallelism)
            throws IOException, InterruptedException {
        String json = JSON.writeValueAsString(Map.of("entryClass", entryClass, "programArgsList", args,
                "parallelism", parallelism));
        HttpRequest request = HttpRequest.newBuilder(URI.create(restUrl() + "/jars/" + jarId + "/run"))
                .timeout(Duration.ofSeconds(180))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        JsonNode answer = send(request);
        String jobId = answer.path("jobid").asText();
        if (jobId.isEmpty()) {
            throw new IllegalStateException("job submission refused: " + answer);
        }
        return jobId;
    }

    /** True when the job is RUNNING and every subtask of every vertex is RUNNING. */
    boolean allTasksRunning(String jobId) {
        JsonNode job = getOrNull("/jobs/" + jobId);
        if (job == null || !"RUNNING".equals(job.path("state").asText())) {
            return false;
        }
        for (JsonNode vertex : job.path("vertices")) {
            JsonNode tasks = vertex.path("tasks");
            int running = tasks.path("RUNNING").asInt(0);
            if (running != vertex.path("parallelism").asInt(-1)) {
                return false;
            }
        }
        return true;
    }

    /** The job's state and restart count as the JobManager reports them, for the record. */
    String jobSummary(String jobId) {
        JsonNode job = getOrNull("/jobs/" + jobId);
        JsonNode checkpoints = getOrNull("/jobs/" + jobId + "/checkpoints");
        return job == null ? "(JobManager did not answer)"
                : "state " + job.path("state").asText() + ", checkpoints completed "
                + (checkpoints == null ? "?" : checkpoints.path("counts").path("completed").asText())
                + ", restored " + (checkpoints == null ? "?" : checkpoints.path("counts").path("restored").asText());
    }

    /** Which TaskManager (resource id) runs each subtask, e.g. "tm-1" for the alarm evaluation's subtask 0. */
    List<String> taskManagersRunning(String jobId) {
        List<String> hosts = new ArrayList<>();
        JsonNode job = getOrNull("/jobs/" + jobId);
        if (job == null) {
            return hosts;
        }
        for (JsonNode vertex : job.path("vertices")) {
            JsonNode detail = getOrNull("/jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/taskmanagers");
            if (detail != null) {
                for (JsonNode tm : detail.path("taskmanagers")) {
                    String id = tm.path("taskmanager-id").asText();
                    if (!hosts.contains(id)) {
                        hosts.add(id);
                    }
                }
            }
        }
        return hosts;
    }

    int registeredTaskManagers() {
        JsonNode overview = getOrNull("/overview");
        return overview == null ? 0 : overview.path("taskmanagers").asInt(0);
    }

    JsonNode getOrNull(String path) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(restUrl() + path))
                    .timeout(Duration.ofSeconds(5)).GET().build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private JsonNode send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " answered "
                    + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    String restUrl() {
        return "http://127.0.0.1:" + restPort;
    }

    List<ChildProcess> taskManagers() {
        return taskManagers;
    }

    @Override
    public void close() {
        for (ChildProcess tm : taskManagers) {
            tm.close();
        }
        if (jobManager != null) {
            jobManager.close();
        }
    }
}
