package io.tocsin.jobs.alarms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tocsin.rules.Severity;
import io.tocsin.rules.threshold.HighThresholdRule;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.junit.jupiter.api.Test;

class AlarmJobMainTest {

    @Test
    void onlyBootstrapServersAndThresholdAreRequired() {
        AlarmJobMain.Settings settings =
                AlarmJobMain.Settings.parse("--bootstrap-servers", "kafka:9092", "--threshold", "25");

        assertThat(settings).isEqualTo(new AlarmJobMain.Settings("kafka:9092", "telemetry", "alarms",
                "tocsin-alarm-job", new HighThresholdRule("high-threshold", 25, Severity.RED),
                Duration.ofSeconds(10), null));
        assertThat(settings.flinkConfiguration().getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isEmpty();
    }

    @Test
    void everyDefaultCanBeOverridden() {
        AlarmJobMain.Settings settings = AlarmJobMain.Settings.parse(
                "--bootstrap-servers", "k1:9092,k2:9092", "--threshold", "10.5",
                "--telemetry-topic", "t", "--alarms-topic", "a", "--group-id", "g",
                "--rule-id", "h2s-high", "--severity", "orange",
                "--checkpoint-interval-ms", "5000", "--checkpoint-dir", "file:///var/tocsin/checkpoints");

        assertThat(settings).isEqualTo(new AlarmJobMain.Settings("k1:9092,k2:9092", "t", "a", "g",
                new HighThresholdRule("h2s-high", 10.5, Severity.ORANGE), Duration.ofSeconds(5),
                "file:///var/tocsin/checkpoints"));
        assertThat(settings.flinkConfiguration().get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                .isEqualTo("file:///var/tocsin/checkpoints");
        assertThat(settings.flinkConfiguration().get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
                .isEqualTo(Duration.ofSeconds(5));
        assertThat(settings.flinkConfiguration().get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    }

    @Test
    void aMissingThresholdOrBrokerIsAnErrorNotADefault() {
        assertThatThrownBy(() -> AlarmJobMain.Settings.parse("--bootstrap-servers", "kafka:9092"))
                .hasMessageContaining("threshold");
        assertThatThrownBy(() -> AlarmJobMain.Settings.parse("--threshold", "25"))
                .hasMessageContaining("bootstrap-servers");
        assertThatThrownBy(() -> AlarmJobMain.Settings.parse(
                "--bootstrap-servers", "kafka:9092", "--threshold", "25", "--severity", "PURPLE"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
