package io.tocsin.standalone.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * One JVM of the local cluster (a Kafka broker, a Flink JobManager or TaskManager, an ingest node), started as
 * a separate OS process with its output in a log file of its own. {@link #kill()} is {@code kill -9} of the
 * process and everything it started: what a crashed machine looks like to the rest of the cluster.
 */
final class ChildProcess implements AutoCloseable {

    /** Java 17 closes these JDK internals that Flink, Kafka and Netty reach reflectively. */
    static final List<String> JAVA_17_OPENS = List.of(
            "-XX:+IgnoreUnrecognizedVMOptions",
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private final String name;
    private final Process process;
    private final Path log;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code java <jvmOptions> -cp <classpath> <mainClass> <args>} with the JDK running this program.
     */
    static ChildProcess startJava(String name, Path logDir, List<String> jvmOptions, String classpath,
                                  String mainClass, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        return start(name, logDir, command);
    }

    /** Starts any program (e.g. HAProxy), its output in {@code <logDir>/<name>.out}. */
    static ChildProcess start(String name, Path logDir, List<String> command) throws IOException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".out");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        // For run-check.sh: if this checker itself is killed, its trap ends the children by these pids.
        Path pids = logDir.resolveSibling("pids");
        Files.createDirectories(pids);
        Files.writeString(pids.resolve(name), String.valueOf(process.pid()));
        return new ChildProcess(name, process, log);
    }

    /** Runs a short-lived Java program (e.g. Kafka's StorageTool) to its end. */
    static void runJava(String name, Path logDir, List<String> jvmOptions, String classpath, String mainClass,
                        List<String> args) throws IOException, InterruptedException {
        ChildProcess tool = startJava(name, logDir, jvmOptions, classpath, mainClass, args);
        if (!tool.process.waitFor(120, TimeUnit.SECONDS) || tool.process.exitValue() != 0) {
            tool.kill();
            throw new IllegalStateException(name + " failed; its output is in " + tool.log);
        }
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /**
     * Waits until the process's output contains {@code marker} (e.g. the "READY ingest" line every {@code tocsin}
     * part prints once it serves); fails at once if the process exits first.
     */
    void awaitOutput(String marker, Duration timeout) {
        Awaitility.await(this + " printing '" + marker + "' (log " + log + ")").atMost(timeout)
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    if (!isAlive()) {
                        throw new IllegalStateException(this + " exited; see " + log);
                    }
                    return Files.readString(log).contains(marker);
                });
    }

    /** SIGKILL to the process and its descendants; returns once the process is gone. */
    void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
