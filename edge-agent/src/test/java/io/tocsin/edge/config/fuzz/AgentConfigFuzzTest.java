package io.tocsin.edge.config.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tocsin.edge.config.AgentConfig;
import io.tocsin.edge.config.AgentConfigReader;
import io.tocsin.edge.config.ConfigException;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Any text as a gateway configuration (seeded with edge-agent/examples/*.yaml). It arrives from disk at start and,
 * retained, from the platform over MQTT (RemoteConfigReceiver), so a broken one must be refused with
 * ConfigException listing its problems, never crash the agent with another exception.
 */
class AgentConfigFuzzTest {

    private static final String NAME = "fuzzed-agent.yaml";
    private static Path baseDir;

    @BeforeAll
    static void directory() throws IOException {
        baseDir = Files.createTempDirectory("agent-config-fuzz");
    }

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({"site:", "device:", "uplink:", "drivers:", "type: serial-line", "type: modbus-tcp",
        "type: modbus-rtu", "type: simulator", "buffer:", "points:", "rules:", "match:", "byte-order: CDAB",
        "fixed-length:", "terminator:", "encoding: GBK", "- ", ": ", "&a", "*a", "!!"})
    void anyTextIsAConfigOrNamesItsProblems(byte[] input) {
        String yaml = new String(input, StandardCharsets.UTF_8);
        AgentConfig config;
        try {
            config = AgentConfigReader.parse(NAME, yaml, baseDir);
        } catch (ConfigException e) {
            assertThat(e.problems()).isNotEmpty().allSatisfy(p -> assertThat(p).isNotBlank());
            return;
        }
        assertThat(config).isNotNull();
    }
}
