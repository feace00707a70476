package io.tocsin.ingest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The YAML reader the configuration files share: lines of keys, duplicate keys, syntax errors, file errors. */
class LineNumberedYamlTest {

    private static final String YAML = """
            # a comment
            delivery:
              first-retry: 1s
            stations:
              station-07:
                url: https://example.org/hook
            """;

    @Test
    void everyKeyHasItsLineAndAMissingKeyPointsAtItsSection() {
        LineNumberedYaml yaml = LineNumberedYaml.parse(YAML, "conf/webhooks.yaml");

        assertThat(yaml.root().path("stations").path("station-07").path("url").asText())
                .isEqualTo("https://example.org/hook");
        assertThat(yaml.line("delivery")).isEqualTo(2);
        assertThat(yaml.line("delivery.first-retry")).isEqualTo(3);
        assertThat(yaml.line("stations.station-07.url")).isEqualTo(6);
        assertThat(yaml.line("stations.station-07.secret")).isEqualTo(5);
        assertThat(yaml.line("tls.port")).isNull();
    }

    @Test
    void aProblemNamesTheFileTheLineTheKeyAndTheFix() {
        LineNumberedYaml yaml = LineNumberedYaml.parse(YAML, "conf/webhooks.yaml");

        assertThat(yaml.problem("delivery.first-retry", "must be more than zero", "give a positive duration"))
                .hasMessage("conf/webhooks.yaml, line 3: key delivery.first-retry: must be more than zero; "
                        + "fix: give a positive duration");
        assertThat(yaml.problem("tls", "unknown section", "remove it"))
                .hasMessage("conf/webhooks.yaml: key tls: unknown section; fix: remove it");
    }

    @Test
    void aKeyGivenTwiceIsAnErrorAtItsSecondLine() {
        assertThatThrownBy(() -> LineNumberedYaml.parse("mqtt:\n  port: 1883\n  port: 1884\n", "ingest.yaml"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ingest.yaml, line 3: not valid YAML: ")
                .hasMessageContaining("port")
                .hasMessageEndingWith("; fix: check the indentation (spaces only) and the 'key: value' syntax");
    }

    @Test
    void textThatIsNotYamlNamesTheSourceAndLine() {
        assertThatThrownBy(() -> LineNumberedYaml.parse("mqtt:\n  port: 1883\n bind: [oops\n", "ingest.yaml"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ingest.yaml, line 3: not valid YAML: ")
                .hasMessageContaining("fix: check the indentation");
    }

    @Test
    void anEmptyDocumentIsAnEmptyMapping() {
        LineNumberedYaml yaml = LineNumberedYaml.parse("# nothing yet\n", "empty.yaml");

        assertThat(yaml.root().isObject()).isTrue();
        assertThat(yaml.root().isEmpty()).isTrue();
        assertThat(yaml.source()).isEqualTo("empty.yaml");
    }

    @Test
    void aFileThatCannotBeReadIsNamedWithTheFix(@TempDir Path dir) {
        Path missing = dir.resolve("ingest.yaml");

        assertThatThrownBy(() -> LineNumberedYaml.read(missing, "the ingest configuration", "check the path"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(missing + ": cannot read the ingest configuration: ")
                .hasMessageEndingWith("; fix: check the path");
    }
}
