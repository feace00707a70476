package io.tocsin.ingest.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Runs a real third-party command line client (Debian packages installed by .ci/run). A missing binary fails the
 * test with the package to install: these tests must not silently skip.
 */
public final class CommandLineTool {

    /** What the process printed (stdout and stderr together) and its exit code. */
    public record Outcome(int exitCode, String output) {
    }

    private CommandLineTool() {
    }

    /** Fails the test when the binary is missing, naming the Debian package. */
    public static void require(String binary, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, binary))) {
                return;
            }
        }
        fail(binary + " is not installed: this test needs the Debian package " + debianPackage
                + " (apt-get install -y " + debianPackage + "; .ci/run installs it)");
    }

    public static Outcome run(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        return run(timeoutSeconds, List.of(command));
    }

    public static Outcome run(long timeoutSeconds, List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly();
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(finished).as("%s finished within %d s; output:%n%s", command, timeoutSeconds, output).isTrue();
        return new Outcome(process.exitValue(), output);
    }

    /** Starts a long-running client (a subscriber); the caller destroys it. */
    public static Process start(Path output, String... command) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }
}
