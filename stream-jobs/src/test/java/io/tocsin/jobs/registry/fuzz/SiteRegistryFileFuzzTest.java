package io.tocsin.jobs.registry.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tocsin.jobs.registry.RegistryFileException;
import io.tocsin.jobs.registry.RegistryFileText;
import io.tocsin.jobs.registry.SiteRegistry;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Any text as the site registry file (seeded with registry/demo-sites.yaml): it loads, or RegistryFileException
 * names the file. A registry that loads also turns into registry-topic records and back without an exception.
 */
class SiteRegistryFileFuzzTest {

    private static final String NAME = "fuzzed-sites.yaml";

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({"version:", "sites:", "name:", "risk: MAJOR", "stations:", "escalateTo:", "contacts:",
        "zones:", "sensors:", "vote:", "severity:", "faultVotesAlarm:", "onDelay:", "offDelay:", "- ", ": ",
        "&a", "*a", "!!", "30s", "2oo3"})
    void anyTextLoadsOrNamesTheFile(byte[] input) {
        String yaml = new String(input, StandardCharsets.UTF_8);
        RegistryFileText file;
        try {
            file = new RegistryFileText(NAME, yaml);
        } catch (RegistryFileException e) {
            assertThat(e).hasMessageContaining(NAME);
            assertThat(e.problems()).isNotEmpty();
            return;
        }
        SiteRegistry registry = file.load();
        assertThat(registry).isNotNull();
        assertThat(file.toRecords()).isNotNull();
    }
}
