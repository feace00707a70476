package io.tocsin.ingest.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tocsin.ingest.IngestYamlConfig;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Any text as the ingest server's configuration (seeded with ingest/examples/ingest.yaml): it is a configuration,
 * or IllegalArgumentException names the file (its documented error). Files it names resolve in an empty
 * directory, so a fuzzed registry or TLS path is a missing file: also an IllegalArgumentException naming it.
 */
class IngestYamlConfigFuzzTest {

    private static final String SOURCE = "fuzzed-ingest.yaml";
    private static Path baseDir;

    @BeforeAll
    static void directory() throws IOException {
        baseDir = Files.createTempDirectory("ingest-config-fuzz");
    }

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({"mqtt:", "tls:", "coap:", "credentials:", "limits:", "http:", "port:", "bind:", "- ",
        ": ", "&a", "*a", "!!", "30s", "65536", "-1"})
    void anyTextIsAConfigOrNamesTheFile(byte[] input) {
        String yaml = new String(input, StandardCharsets.UTF_8);
        IngestYamlConfig config;
        try {
            config = IngestYamlConfig.parse(yaml, SOURCE, baseDir);
        } catch (IllegalArgumentException e) {
            assertThat(e).hasMessageContaining(SOURCE);
            return;
        }
        assertThat(config).isNotNull();
    }
}
