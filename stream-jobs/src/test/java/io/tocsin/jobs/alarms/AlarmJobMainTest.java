package io.tocsin.jobs.alarms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tocsin.rules.config.RuleFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlarmJobMainTest {

    @TempDir
    Path dir;

    private Path rulesFile() throws Exception {
        Path file = dir.resolve("rules.yaml");
        Files.writeString(file, TestRules.GAS.yaml());
        return file;
    }

    @Test
    void onlyBootstrapServersAndRulesAreRequired() throws Exception {
        Path rules = rulesFile();
        AlarmJobMain.Settings settings =
                AlarmJobMain.Settings.parse("--bootstrap-servers", "kafka:9092", "--rules", rules.toString());

        assertThat(settings).isEqualTo(new AlarmJobMain.Settings("kafka:9092", "telemetry", "alarms",
                "tocsin-alarm-job", new RuleFileText(rules.toString(), TestRules.GAS.yaml()),
                Duration.ofSeconds(10), null, "commands", "command-results", "registry",
                io.tocsin.jobs.registry.RegistryFileText.empty(), "control-room", "hashmap", "status",
                Duration.ofSeconds(10)));
        assertThat(settings.options().gatewayFaults())
                .isEqualTo(io.tocsin.jobs.gateways.GatewayFaultPolicy.DEFAULT);
        assertThat(settings.flinkConfiguration().getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isEmpty();
    }

    @Test
    void everyDefaultCanBeOverridden() throws Exception {
        AlarmJobMain.Settings settings = AlarmJobMain.Settings.parse(
                "--bootstrap-servers", "k1:9092,k2:9092", "--rules", rulesFile().toString(),
                "--telemetry-topic", "t", "--alarms-topic", "a", "--group-id", "g",
                "--checkpoint-interval-ms", "5000", "--checkpoint-dir", "file:///var/tocsin/checkpoints",
                "--status-topic", "s", "--gateway-offline-grace-ms", "2500");

        assertThat(settings.telemetryTopic()).isEqualTo("t");
        assertThat(settings.alarmsTopic()).isEqualTo("a");
        assertThat(settings.groupId()).isEqualTo("g");
        assertThat(settings.statusTopic()).isEqualTo("s");
        assertThat(settings.options().gatewayFaults().offlineGrace()).isEqualTo(Duration.ofMillis(2_500));
        assertThat(settings.flinkConfiguration().get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                .isEqualTo("file:///var/tocsin/checkpoints");
        assertThat(settings.flinkConfiguration().get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
                .isEqualTo(Duration.ofSeconds(5));
        assertThat(settings.flinkConfiguration().get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    }

    @Test
    void aMissingRuleFileOrBrokerIsAnErrorNotADefault() throws Exception {
        assertThatThrownBy(() -> AlarmJobMain.Settings.parse("--bootstrap-servers", "kafka:9092"))
                .hasMessageContaining("rules");
        assertThatThrownBy(() -> AlarmJobMain.Settings.parse("--rules", rulesFile().toString()))
                .hasMessageContaining("bootstrap-servers");
        assertThatThrownBy(() -> AlarmJobMain.Settings.parse(
                "--bootstrap-servers", "kafka:9092", "--rules", dir.resolve("missing.yaml").toString()))
                .hasMessageContaining("missing.yaml");
    }

    @Test
    void aBadRuleFileStopsTheStartNamingFileLineAndKey() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "version: \"1\"\nsensorTypes:\n  gas:\n    rules:\n      - id: x\n        kind: nope\n");

        assertThatThrownBy(() -> AlarmJobMain.Settings.parse("--bootstrap-servers", "k:9092", "--rules", bad.toString()))
                .isInstanceOf(RuleFileException.class)
                .hasMessageContaining(bad + ":6: sensorTypes.gas.rules[0].kind");
    }
}
