package io.tocsin.rules.config.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tocsin.rules.config.RuleFileException;
import io.tocsin.rules.config.RuleFileLoader;
import io.tocsin.rules.config.RuleSet;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Any text as a rule file (seeded with the shipped default-rules.yaml): it loads, or RuleFileException names the
 * file and lists problems. Never a NullPointerException, ClassCastException, StackOverflowError or any other
 * exception that would stop the alarm job with a stack trace instead of a fix.
 */
class RuleFileFuzzTest {

    private static final String FILE = "fuzzed-rules.yaml";

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({"rules:", "presets:", "threshold", "rate-of-rise", "stale", "voting", "hysteresis",
        "deadband", "on-delay", "off-delay", "set-point", "sensors", "- ", ": ", "{", "[", "&a", "*a", "!!",
        "30s", "NaN", ".inf", "-1"})
    void anyTextLoadsOrNamesItsProblems(byte[] input) {
        String yaml = new String(input, StandardCharsets.UTF_8);
        RuleSet rules;
        try {
            rules = RuleFileLoader.parse(FILE, yaml);
        } catch (RuleFileException e) {
            assertThat(e.getMessage()).contains(FILE);
            assertThat(e.problems()).isNotEmpty().allSatisfy(p -> assertThat(p).isNotBlank());
            return;
        }
        assertThat(rules).isNotNull();
    }
}
