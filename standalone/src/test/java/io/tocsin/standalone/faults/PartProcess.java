package io.tocsin.standalone.faults;

import io.tocsin.standalone.TocsinCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One part of the platform ({@code tocsin kafka|store|jobs|ingest ...}) in a JVM of its own, started from this
 * JVM's classpath (the standalone jar's classes and libraries). Its output goes to a log file; the part's
 * {@code READY} line tells when it serves. Faults: {@link #kill()} is SIGKILL (kill -9), {@link #stop()} SIGTERM.
 */
final class PartProcess {

    private static final Logger log = LoggerFactory.getLogger(PartProcess.class);

    /** Flink serialises some JDK types reflectively; Java 17 needs these opened (as in ./tocsin). */
    static final List<String> JAVA_OPENS = List.of(
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");

    private final String name;
    private final List<String> command;
    private final Path logFile;
    private final String heap;
    private Process process;
    private int starts;

    PartProcess(String name, String heap, Path logFile, List<String> arguments) {
        this.name = name;
        this.heap = heap;
        this.logFile = logFile;
        this.command = List.copyOf(arguments);
    }

    /** Attempts at a start: a part that dies before it is ready is started again, as systemd's Restart= would. */
    private static final int START_ATTEMPTS = 3;

    /** Children still running when the harness JVM exits (an aborted run) are killed, never left behind. */
    private static final java.util.Set<Process> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "fault-harness-children"));
    }

    /**
     * Starts the JVM and waits for its READY line. A part that exits before it is ready (e.g. ingest when Kafka is
     * still too slow to give topic metadata) is started again, up to {@value #START_ATTEMPTS} times.
     */
    synchronized PartProcess start(Duration readyTimeout) {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        for (int attempt = 1; ; attempt++) {
            if (startOnce(deadline)) {
                log.info("{} ready (pid {}, start #{})", name, process.pid(), starts);
                return this;
            }
            if (process.isAlive() || attempt == START_ATTEMPTS || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException(name + " not ready within " + readyTimeout + " (" + attempt
                        + " attempt(s)), see " + logFile);
            }
            log.warn("{} exited with {} before it was ready; starting it again (see {})", name, process.exitValue(),
                    logFile);
        }
    }

    /** True once READY was printed; false if the process exited first or the deadline passed. */
    private boolean startOnce(long deadline) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + heap);
        cmd.add("-XX:+UseSerialGC"); // 2 cores shared by five JVMs: no parallel GC threads fighting
        cmd.addAll(JAVA_OPENS);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TocsinCommand.class.getName());
        cmd.addAll(command);
        CountDownLatch latch = new CountDownLatch(1);
        starts++;
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        Process started = process;
        LIVE.add(started);
        started.onExit().thenRun(() -> LIVE.remove(started));
        Thread pump = new Thread(() -> pumpOutput(started, latch), name + "-output");
        pump.setDaemon(true);
        pump.start();
        try {
            while (System.nanoTime() < deadline) {
                if (latch.await(200, TimeUnit.MILLISECONDS)) {
                    return true;
                }
                if (!started.isAlive()) {
                    return latch.getCount() == 0;
                }
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + name, e);
        }
    }

    private void pumpOutput(Process p, CountDownLatch latch) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter file = new PrintWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8,
                     StandardOpenOption.CREATE, StandardOpenOption.APPEND))) {
            file.println("---- start #" + starts + " pid " + p.pid());
            String line;
            while ((line = out.readLine()) != null) {
                file.println(line);
                file.flush();
                if (line.startsWith("READY ")) {
                    latch.countDown();
                }
            }
        } catch (IOException e) {
            // the process died; its exit is what the harness looks at
        }
    }

    /** kill -9: no shutdown hook, no flush, no clean close of anything. */
    synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            awaitExit(Duration.ofSeconds(30));
            log.info("{} killed (SIGKILL)", name);
        }
    }

    /** SIGTERM: the part closes itself cleanly. */
    synchronized void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!awaitExit(Duration.ofSeconds(60))) {
                process.destroyForcibly();
                awaitExit(Duration.ofSeconds(30));
            }
            log.info("{} stopped (SIGTERM)", name);
        }
    }

    private boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Resident memory of the process in KiB (from /proc), -1 when not running or unknown. */
    synchronized long residentKib() {
        if (!isAlive()) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    String name() {
        return name;
    }

    Path logFile() {
        return logFile;
    }
}
