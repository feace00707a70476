package io.tocsin.ingest.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CredentialRegistryTest {

    @TempDir
    Path dir;

    @Test
    void theHashCommandProducesALineTheRegistryAccepts() throws Exception {
        String line = runHashCommand("s3cret pass");
        assertThat(line).doesNotContain("s3cret");
        Path file = dir.resolve("registry.yaml");
        Files.writeString(file, "devices:\n  - name: gw-01\n    site: park-north\n" + line + "\n"
                + "stations:\n  - name: st-1\n    sites: [park-north, park-south]\n" + line + "\n");
        CredentialRegistry registry = CredentialRegistry.load(file);

        CredentialRegistry.Entry device = registry.find("gw-01").orElseThrow();
        assertThat(device.identity()).isEqualTo(Identity.device("gw-01", "park-north", "gw-01"));
        assertThat(device.password().matches("s3cret pass".toCharArray())).isTrue();
        assertThat(device.password().matches("s3cret pasS".toCharArray())).isFalse();
        assertThat(registry.find("st-1").orElseThrow().identity().sites()).containsExactlyInAnyOrder(
                "park-north", "park-south");
    }

    @Test
    void aPlainTextPasswordIsRefusedNamingFileKeyAndFix() throws Exception {
        Path file = dir.resolve("plain.yaml");
        Files.writeString(file, "devices:\n  - name: gw-01\n    site: park-north\n    password: hunter2\n");
        assertThatThrownBy(() -> CredentialRegistry.load(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("devices[0].password")
                .hasMessageContaining("plain text")
                .hasMessageContaining(HashPasswordCommand.class.getName());
    }

    @Test
    void aWeakIterationCountIsRefused() {
        String weak = "pbkdf2-sha256:1000:c2FsdHNhbHQ=:" + "A".repeat(43) + "=";
        assertThatThrownBy(() -> CredentialRegistry.parse(
                "stations:\n  - name: s\n    sites: [a]\n    password: \"" + weak + "\"\n", "r.yaml"))
                .hasMessageContaining("stations[0].password").hasMessageContaining("below the minimum");
    }

    @Test
    void unknownKeysDuplicatesAndBadYamlAreRefused() {
        assertThatThrownBy(() -> CredentialRegistry.parse("devices:\n  - name: a\n    site: s\n    sitee: t\n",
                "r.yaml")).hasMessageContaining("devices[0].sitee").hasMessageContaining("unknown key");
        assertThatThrownBy(() -> CredentialRegistry.parse(
                "devices:\n  - name: a\n    site: s\nstations:\n  - name: a\n    sites: [s]\n", "r.yaml"))
                .hasMessageContaining("registered twice");
        assertThatThrownBy(() -> CredentialRegistry.parse("devices: [\n  - name: a\n", "r.yaml"))
                .hasMessageContaining("r.yaml, line");
        assertThatThrownBy(() -> CredentialRegistry.parse("devices:\n  - name: a/b\n    site: s\n", "r.yaml"))
                .hasMessageContaining("devices[0].name");
    }

    @Test
    void aGeneratedSecretIsPrintedOnceBesideALineTheRegistryAccepts() throws Exception {
        List<String> printed = runHashCommand("", "--generate");
        assertThat(printed.get(0)).startsWith("# secret for the device");
        String secret = printed.get(0).substring(printed.get(0).lastIndexOf(' ') + 1);
        assertThat(secret).hasSize(43).matches("[A-Za-z0-9_-]+");
        String line = printed.get(1);
        assertThat(line).contains(PasswordHash.GENERATED_SCHEME + ":" + PasswordHash.GENERATED_ITERATIONS + ":")
                .doesNotContain(secret);

        CredentialRegistry registry = CredentialRegistry.parse("devices:\n  - name: gw-01\n    site: park-north\n"
                + line + "\n", "r.yaml");
        PasswordHash hash = registry.find("gw-01").orElseThrow().password();
        assertThat(hash.generated()).isTrue();
        assertThat(hash.iterations()).isEqualTo(PasswordHash.GENERATED_ITERATIONS);
        assertThat(hash.matches(secret.toCharArray())).isTrue();
        assertThat(hash.matches((secret.substring(1) + "A").toCharArray())).isFalse();
        assertThat(PasswordHash.parse(hash.toString())).isEqualTo(hash);
        assertThat(runHashCommand("", "--generate").get(0)).isNotEqualTo(printed.get(0));
    }

    @Test
    void aGeneratedSecretsHashBelowItsMinimumIsRefused() {
        String weak = PasswordHash.GENERATED_SCHEME + ":999:c2FsdHNhbHQ=:" + "A".repeat(43) + "=";
        assertThatThrownBy(() -> CredentialRegistry.parse(
                "devices:\n  - name: gw\n    site: s\n    password: \"" + weak + "\"\n", "r.yaml"))
                .hasMessageContaining("devices[0].password").hasMessageContaining("below the minimum 1000");
    }

    private static String runHashCommand(String password) throws Exception {
        return runHashCommand(password, String.valueOf(PasswordHash.MIN_ITERATIONS)).get(0);
    }

    private static List<String> runHashCommand(String stdin, String... args) throws Exception {
        InputStream in = System.in;
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream((stdin + "\n").getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            HashPasswordCommand.main(args);
        } finally {
            System.setIn(in);
            System.setOut(out);
        }
        return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }
}
