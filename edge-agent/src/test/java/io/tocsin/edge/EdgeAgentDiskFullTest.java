package io.tocsin.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.util.OSInfo;

/**
 * A gateway whose file system runs out of room, for real: the agent runs in a child JVM started under
 * {@code ulimit -f} (RLIMIT_FSIZE), so SQLite's writes beyond the limit fail with EFBIG (HotSpot ignores SIGXFSZ,
 * the JVM lives on) long before the buffer's own configured bound.
 */
@EnabledOnOs(OS.LINUX)
class EdgeAgentDiskFullTest {

    /** Per-file limit in KiB: every file the child writes, the buffer and its write-ahead log included. */
    private static final int FILE_SIZE_LIMIT_KIB = 512;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aFireOnAFullDiskIsKeptAndSentFirstDroppedTelemetryIsCountedAndTheAgentRecovers() throws Exception {
        Path nativeLib = extractSqliteNativeLibrary();
        Path stderr = dir.resolve("child-stderr.txt");
        List<String> command = List.of("bash", "-c", "ulimit -f " + FILE_SIZE_LIMIT_KIB + " && exec \"$0\" \"$@\"",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // sqlite-jdbc would extract its 1 MB native library under the limit: give it one extracted here.
                "-Dorg.sqlite.lib.path=" + nativeLib.getParent(), "-Dorg.sqlite.lib.name=" + nativeLib.getFileName(),
                "-cp", System.getProperty("java.class.path"), DiskFullAgentProcess.class.getName(),
                dir.resolve("buffer.db").toString());
        Process child = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
            }
        } finally {
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
        String transcript = String.join("\n", lines) + "\n--- stderr ---\n" + Files.readString(stderr);
        assertThat(child.exitValue()).as("child exit (153 = killed by SIGXFSZ)\n%s", transcript).isZero();
        assertThat(Files.size(dir.resolve("buffer.db"))).as("the limit held the buffer file")
                .isLessThanOrEqualTo(FILE_SIZE_LIMIT_KIB * 1024L);

        String result = lines.stream().filter(l -> l.startsWith("RESULT ")).findFirst().orElseThrow();
        // The fire is raised after the first write that found no room (DISK-FULL), while the uplink is down; whether
        // that episode is still on at that very moment depends on timing (diskFullAtFire), so it is not asserted.
        assertThat(lines.indexOf(lines.stream().filter(l -> l.startsWith("DISK-FULL")).findFirst().orElseThrow()))
                .isLessThan(lines.indexOf(lines.stream().filter(l -> l.startsWith("FIRE")).findFirst().orElseThrow()));
        assertThat(result).as(transcript).contains("fireSent=true", "urgentLost=0");
        assertThat(lines).as("the fire reached the uplink").anyMatch(l -> l.startsWith("SENT-FIRE zone-7 event:fire"));
        assertThat(field(result, "droppedBatches")).as("telemetry dropped for lack of room is counted").isPositive();
        assertThat(field(result, "droppedReadings")).isEqualTo(100 * field(result, "droppedBatches"));
        long episodes = field(result, "episodes");
        assertThat(lines.stream().filter(l -> l.contains("the file system has no room")).count())
                .as("one WARN per episode, not one per failed write (%s failed writes)", field(result, "diskFullErrors"))
                .isEqualTo(episodes);
        assertThat(field(result, "diskFullErrors")).isGreaterThanOrEqualTo(episodes);
        assertThat(lines).as("the agent says when it has room again").anyMatch(l -> l.contains("has room again"));
    }

    private static long field(String result, String name) {
        for (String part : result.split(" ")) {
            if (part.startsWith(name + "=")) {
                return Long.parseLong(part.substring(name.length() + 1));
            }
        }
        throw new AssertionError(name + " not in " + result);
    }

    private Path extractSqliteNativeLibrary() throws Exception {
        String name = System.mapLibraryName("sqlitejdbc");
        Path target = Files.createDirectories(dir.resolve("native")).resolve(name);
        try (InputStream in = OSInfo.class.getResourceAsStream(
                "/org/sqlite/native/" + OSInfo.getNativeLibFolderPathForCurrentOS() + "/" + name)) {
            assertThat(in).as("sqlite-jdbc ships no native library for this platform").isNotNull();
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }
}
