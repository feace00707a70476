package io.tocsin.standalone;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

class ScratchDirectoryTest {

    @Test
    void closingDeletesTheDirectoryWithEverythingInIt() throws Exception {
        Path path;
        try (ScratchDirectory scratch = ScratchDirectory.create("scratch-test")) {
            path = scratch.path();
            Files.createDirectories(path.resolve("kafka/telemetry-0"));
            Files.writeString(path.resolve("kafka/telemetry-0/00000000000000000000.log"), "records");
            Files.writeString(path.resolve("mosquitto.conf"), "listener 1883");
            assertThat(path).isDirectory();
        }
        assertThat(path).doesNotExist();
    }

    @Test
    void deletingATreeThatIsNotThereIsNothing(@TempDir Path dir) {
        assertThatCode(() -> ScratchDirectory.deleteTree(dir.resolve("never-created"))).doesNotThrowAnyException();
    }
}
