package io.tocsin.standalone.timeseries;

import io.tocsin.standalone.LoopbackPorts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TimeSeriesPath} in a child JVM ({@code tocsin timeseries}) at a lower CPU priority ({@code nice}).
 *
 * <p>Why: on a small machine the alarm path and the history path compete for the same cores. Measured on 2 cores
 * (docs/benchmarks.md, issue 9): at 50,000 readings/s the store and the time-series job took about a quarter of the
 * CPU, and with them in the platform's JVM the alarm job fell tens of seconds behind; without them it kept up. In
 * a process of its own at nice {@value #NICENESS}, history takes what alarms leave: under overload it lags (Kafka
 * keeps what it has not written yet, and it catches up when the load falls) instead of delaying alarms. It also
 * keeps the store's and the job's heap out of the platform's garbage collections.
 *
 * <p>The child's output goes to {@code process.log} in its store directory (appended); it stops when asked
 * ({@link #close}, SIGTERM), and by itself when the platform's process ends, even by {@code kill -9}. A child that
 * fails (a crash, the OOM killer: a non-zero exit) is started again on the same port after a back-off: its job
 * resumes from the Kafka offsets of its last checkpoint, and the store's deduplicating tables absorb what is
 * written twice.
 */
public final class TimeSeriesProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TimeSeriesProcess.class);

    /** How much lower the child's CPU priority is than the platform's (Linux niceness: 0 normal, 19 lowest). */
    public static final int NICENESS = 10;

    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final String READY_PREFIX = "READY timeseries url=";
    private static final Duration FIRST_RESTART_DELAY = Duration.ofSeconds(1);
    private static final Duration MAX_RESTART_DELAY = Duration.ofMinutes(1);
    /** A child that ran this long before it ended is restarted after the first delay again. */
    private static final Duration STABLE_RUN = Duration.ofMinutes(5);

    private final List<String> command;
    private final Path logFile;
    private final CompletableFuture<String> url = new CompletableFuture<>();
    private final ScheduledExecutorService restarts = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "timeseries-process-restart");
        thread.setDaemon(true);
        return thread;
    });
    private volatile Process process;
    private volatile boolean closing;
    private Duration restartDelay = FIRST_RESTART_DELAY;

    private TimeSeriesProcess(List<String> command, Path logFile) {
        this.command = command;
        this.logFile = logFile;
    }

    /**
     * Starts the child and returns without waiting for it: {@link #awaitUrl} waits (the platform starts its other
     * parts meanwhile).
     */
    public static TimeSeriesProcess start(TimeSeriesPath.Settings settings) throws IOException {
        return start(settings, ProcessHandle.current().pid());
    }

    /** As {@link #start(TimeSeriesPath.Settings)}, the child ending when process {@code parentPid} ends. */
    static TimeSeriesProcess start(TimeSeriesPath.Settings settings, long parentPid) throws IOException {
        Files.createDirectories(settings.storeDir());
        if (settings.storeHttpPort() == 0) { // chosen here, so that a restarted child serves the same URL
            settings = new TimeSeriesPath.Settings(settings.bootstrap(), settings.telemetryTopic(),
                    settings.alarmsTopic(), settings.storeDir(), LoopbackPorts.free(), settings.checkpoints(),
                    settings.checkpointInterval());
        }
        TimeSeriesProcess child = new TimeSeriesProcess(command(settings, parentPid),
                settings.storeDir().resolve("process.log"));
        child.launch();
        return child;
    }

    private synchronized void launch() throws IOException {
        Process started = new ProcessBuilder(command).redirectErrorStream(true).start();
        long startedAt = System.nanoTime();
        process = started;
        Thread copier = new Thread(() -> copyOutput(started), "timeseries-process-output");
        copier.setDaemon(true);
        copier.start();
        started.onExit().thenRun(() -> exited(started, startedAt));
        log.info("Time-series store and job starting in process {} at nice {} (its log: {})", started.pid(),
                NICENESS, logFile);
    }

    /** The store's base URL, once the child has announced it is ready. */
    public String awaitUrl() throws IOException {
        try {
            return url.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the time-series process started", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("the time-series process did not start within " + START_TIMEOUT.toSeconds()
                    + " s: " + (e.getCause() == null ? e : e.getCause()).getMessage() + " (see " + logFile + ")", e);
        }
    }

    /** The current child process (its CPU time is reported apart from the platform's). */
    public ProcessHandle handle() {
        return process.toHandle();
    }

    /** Asks the child to stop cleanly (SIGTERM: the job is cancelled, the store closes), then waits. */
    @Override
    public void close() throws InterruptedException {
        Process process;
        synchronized (this) {
            closing = true;
            restarts.shutdownNow();
            process = this.process;
        }
        // Through the handle: Process.destroy() would also close the pipe and cut off the child's last log lines.
        process.toHandle().destroy();
        if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            log.warn("The time-series process did not stop within {} s: killing it", STOP_TIMEOUT.toSeconds());
            process.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @Override
    public String toString() {
        return "time-series process " + process.pid();
    }

    /** java (with this JVM's --add-opens, which Flink needs) running {@code tocsin timeseries}, under nice. */
    static List<String> command(TimeSeriesPath.Settings settings, long parentPid) {
        List<String> command = new ArrayList<>();
        Path nice = Path.of("/usr/bin/nice");
        if (Files.isExecutable(nice)) { // Linux and macOS; elsewhere the child runs at normal priority
            command.addAll(List.of(nice.toString(), "-n", Integer.toString(NICENESS)));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> jvmArguments = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (int i = 0; i < jvmArguments.size(); i++) {
            String argument = jvmArguments.get(i);
            if (argument.startsWith("--add-opens=")) {
                command.add(argument);
            } else if (argument.equals("--add-opens") && i + 1 < jvmArguments.size()) {
                command.add(argument);
                command.add(jvmArguments.get(++i));
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.tocsin.standalone.TocsinCommand",
                "timeseries",
                "--bootstrap", settings.bootstrap(),
                "--telemetry-topic", settings.telemetryTopic(),
                "--alarms-topic", settings.alarmsTopic(),
                "--data-dir", settings.storeDir().toAbsolutePath().toString(),
                "--http-port", Integer.toString(settings.storeHttpPort()),
                "--checkpoints", settings.checkpoints().toAbsolutePath().toString(),
                "--checkpoint-interval", settings.checkpointInterval().toString(),
                "--parent-pid", Long.toString(parentPid)));
        return command;
    }

    /** Copies a child's output to the log file and picks out the READY line. */
    private void copyOutput(Process process) {
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             Writer file = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                     StandardOpenOption.APPEND)) {
            String line;
            while ((line = lines.readLine()) != null) {
                file.write(line);
                file.write('\n');
                file.flush();
                if (line.startsWith(READY_PREFIX)) {
                    url.complete(line.substring(READY_PREFIX.length()).trim());
                }
            }
        } catch (IOException e) {
            if (!closing && process.isAlive()) {
                log.warn("Copying the time-series process's output to {} failed: {}", logFile, e.toString());
            }
        }
    }

    private synchronized void exited(Process ended, long startedAt) {
        int code = ended.exitValue();
        if (closing) {
            return;
        }
        if (!url.isDone()) { // never got ready: a start-up failure, not worth repeating forever
            url.completeExceptionally(new IOException("the time-series process ended with exit code " + code));
            log.error("The time-series process ended with exit code {} before it was ready (see {})", code, logFile);
            return;
        }
        if (code == 0) { // it chose to stop (its parent, as it saw it, ended): starting it again would repeat that
            log.warn("The time-series process stopped by itself (exit code 0): history is no longer written (see {})",
                    logFile);
            return;
        }
        if (System.nanoTime() - startedAt > STABLE_RUN.toNanos()) {
            restartDelay = FIRST_RESTART_DELAY;
        }
        // Alarms go on without it; the readings wait in Kafka and are written once it is back.
        log.error("The time-series process ended with exit code {}: history is not written until it is back; "
                + "starting it again in {} s (see {})", code, restartDelay.toSeconds(), logFile);
        restarts.schedule(this::restart, restartDelay.toMillis(), TimeUnit.MILLISECONDS);
        restartDelay = restartDelay.multipliedBy(2).compareTo(MAX_RESTART_DELAY) > 0
                ? MAX_RESTART_DELAY : restartDelay.multipliedBy(2);
    }

    private synchronized void restart() {
        if (closing) {
            return;
        }
        try {
            launch();
        } catch (IOException e) {
            log.error("Starting the time-series process again failed: {}; trying again in {} s", e.toString(),
                    restartDelay.toSeconds());
            restarts.schedule(this::restart, restartDelay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
