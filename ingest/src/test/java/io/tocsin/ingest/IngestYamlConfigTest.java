package io.tocsin.ingest;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.auth.PasswordHash;
import io.tocsin.ingest.coap.CoapSettings;
import io.tocsin.ingest.support.RecordingTelemetryWriter;
import io.tocsin.ingest.support.V5Client;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IngestYamlConfigTest {

    @TempDir
    Path directory;

    @Test
    void theExampleFileLoadsWithItsDocumentedValues() {
        IngestYamlConfig config = IngestYamlConfig.load(Path.of("examples/ingest.yaml"));

        assertThat(config.mqtt()).isEqualTo(IngestConfig.defaults());
        assertThat(config.connectionsPerSecond()).isEqualTo(IngestServer.DEFAULT_CONNECTIONS_PER_SECOND);
        assertThat(config.publishLimits()).isEqualTo(PublishLimits.defaults());
        assertThat(config.sessionLimits()).isEqualTo(SessionLimits.defaults());
        assertThat(config.credentials()).isNull();
        assertThat(config.tls()).isNull();
        assertThat(config.coap()).isNull();
        assertThat(config.httpBindHost()).isEqualTo("0.0.0.0");
        assertThat(config.httpPort()).isEqualTo(9090);
    }

    @Test
    void aServerStartsFromTheFileWithItsLimitsAndRegistry() throws Exception {
        String hash = PasswordHash.create("secret".toCharArray(), PasswordHash.MIN_ITERATIONS).toString();
        Files.writeString(directory.resolve("credentials.yaml"), """
                devices:
                  - name: gw-01
                    site: park-north
                    password: %s
                """.formatted(hash));
        Path file = write("""
                mqtt:
                  bind: 127.0.0.1
                  port: 0
                  connectTimeoutSeconds: 3
                  publishesPerSecond: 2.5
                  maxKeepAliveSeconds: 120
                memoryBudget:
                  highWaterBytes: 1000000
                registry: credentials.yaml
                """);
        IngestYamlConfig config = IngestYamlConfig.load(file);
        assertThat(config.mqtt().connectTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.publishLimits()).isEqualTo(new PublishLimits(2.5, 3, 120, 1_000_000, 500_000));
        assertThat(config.credentials().find("gw-01")).isPresent();

        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (IngestServer server = config.builder(new RecordingTelemetryWriter(), meters).build().start();
             V5Client device = V5Client.connect("tcp://127.0.0.1:" + server.port(), "gw-01", options -> {
                 options.setUserName("gw-01");
                 options.setPassword("secret".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                 options.setKeepAliveInterval(0);
             })) {
            assertThat(device.connectToken().getResponseProperties().getServerKeepAlive()).isEqualTo(120);
        }
    }

    @Test
    void anUnknownKeyNamesFileLineKeyAndFix() throws Exception {
        Path file = write("""
                mqtt:
                  port: 1883
                  publishesPerSecnd: 10
                """);
        assertThatThrownBy(() -> IngestYamlConfig.load(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(file + ", line 3: key mqtt.publishesPerSecnd: unknown key; fix: use one of")
                .hasMessageContaining("publishesPerSecond");
    }

    @Test
    void aBadValueNamesFileLineKeyAndFix() throws Exception {
        Path file = write("""
                sessions:
                  maxQueued: 10
                mqtt:
                  bind: 0.0.0.0
                  port: 70000
                """);
        assertThatThrownBy(() -> IngestYamlConfig.load(file))
                .hasMessage(file + ", line 5: key mqtt.port: must be at most 65535, is 70000; fix: use a value in "
                        + "0..65535");
    }

    @Test
    void inconsistentValuesAreRefused() throws Exception {
        Path budget = write("""
                memoryBudget:
                  highWaterBytes: 1000
                  lowWaterBytes: 1000
                """);
        assertThatThrownBy(() -> IngestYamlConfig.load(budget))
                .hasMessageStartingWith(budget + ", line 3: key memoryBudget.lowWaterBytes: must be below");

        Path dtls = write("""
                coap:
                  port: 5683
                  dtlsPort: 5684
                """);
        assertThatThrownBy(() -> IngestYamlConfig.load(dtls))
                .hasMessageStartingWith(dtls + ", line 3: key coap.dtlsPort: DTLS needs the credential registry");
    }

    @Test
    void coapOfflineSilenceIsReadAndChecked() throws Exception {
        Path defaults = write("""
                coap:
                  dtlsPort: -1
                """);
        assertThat(IngestYamlConfig.load(defaults).coap().offlineAfter()).isEqualTo(Duration.ofSeconds(30))
                .isEqualTo(CoapSettings.DEFAULT_OFFLINE_AFTER);

        Path set = write("""
                coap:
                  dtlsPort: -1
                  offlineAfterSeconds: 300
                """);
        assertThat(IngestYamlConfig.load(set).coap().offlineAfter()).isEqualTo(Duration.ofMinutes(5));

        Path zero = write("""
                coap:
                  dtlsPort: -1
                  offlineAfterSeconds: 0
                """);
        assertThatThrownBy(() -> IngestYamlConfig.load(zero))
                .hasMessage(zero + ", line 3: key coap.offlineAfterSeconds: must be whole seconds in 1..86400, is '0'; "
                        + "fix: use a few times the CoAP gateways' reporting interval, e.g. 30 for gateways that "
                        + "report every second or two");

        Path text = write("""
                coap:
                  dtlsPort: -1
                  offlineAfterSeconds: 30s
                """);
        assertThatThrownBy(() -> IngestYamlConfig.load(text))
                .hasMessageStartingWith(text + ", line 3: key coap.offlineAfterSeconds: must be whole seconds");

        Path belowRetry = write("""
                coap:
                  dtlsPort: -1
                  retryAfterSeconds: 60
                  offlineAfterSeconds: 45
                """);
        assertThatThrownBy(() -> IngestYamlConfig.load(belowRetry))
                .hasMessageStartingWith(belowRetry + ", line 4: key coap.offlineAfterSeconds: must be longer than "
                        + "coap.retryAfterSeconds (60)")
                .hasMessageContaining("fix: set it to more than 60");

        Path defaultBelowRetry = write("""
                coap:
                  dtlsPort: -1
                  retryAfterSeconds: 30
                """);
        assertThatThrownBy(() -> IngestYamlConfig.load(defaultBelowRetry))
                .hasMessageStartingWith(defaultBelowRetry + ", line 1: key coap.offlineAfterSeconds: must be longer than "
                        + "coap.retryAfterSeconds (30), is 30 by default");
    }

    @Test
    void missingFilesAndBrokenYamlAreReportedWithTheirFix() throws Exception {
        Path registry = write("""
                registry: nowhere.yaml
                """);
        assertThatThrownBy(() -> IngestYamlConfig.load(registry))
                .hasMessageStartingWith(registry + ", line 1: key registry: file ")
                .hasMessageContaining("does not exist");

        Path tls = write("""
                tls:
                  port: 8883
                """);
        assertThatThrownBy(() -> IngestYamlConfig.load(tls))
                .hasMessageStartingWith(tls + ", line 1: key tls.certificate: required in this section");

        Path broken = write("""
                mqtt:
                  port: 1883
                 bind: x
                """);
        assertThatThrownBy(() -> IngestYamlConfig.load(broken))
                .hasMessageStartingWith(broken + ", line 3: not valid YAML");
    }

    private int files;

    private Path write(String yaml) throws Exception {
        Path file = directory.resolve("ingest-" + ++files + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
