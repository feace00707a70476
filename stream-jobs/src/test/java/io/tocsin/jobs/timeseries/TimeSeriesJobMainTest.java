package io.tocsin.jobs.timeseries;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

class TimeSeriesJobMainTest {

    private static final Map<String, String> NO_ENV = Map.of();

    @Test
    void onlyBootstrapServersAndTheStoreUrlAreRequired() {
        TimeSeriesJobMain.Settings settings = TimeSeriesJobMain.Settings.parse(NO_ENV,
                "--bootstrap-servers", "kafka:9092", "--influx-url", "http://influxdb:8086");

        assertThat(settings).isEqualTo(new TimeSeriesJobMain.Settings("kafka:9092", "telemetry", "alarms",
                "tocsin-time-series-job", InfluxDbSettings.of("http://influxdb:8086", "", "tocsin", "tocsin"),
                Duration.ofSeconds(10), null));
        assertThat(settings.flinkConfiguration().getOptional(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isEmpty();
    }

    @Test
    void everyDefaultCanBeOverridden() {
        TimeSeriesJobMain.Settings settings = TimeSeriesJobMain.Settings.parse(NO_ENV,
                "--bootstrap-servers", "k1:9092,k2:9092", "--influx-url", "https://influx.example:8086",
                "--influx-token", "t0k", "--influx-org", "bureau", "--influx-bucket", "city",
                "--telemetry-topic", "t", "--alarms-topic", "a", "--group-id", "g",
                "--checkpoint-interval-ms", "5000", "--checkpoint-dir", "file:///var/tocsin/checkpoints/ts");

        assertThat(settings.store()).isEqualTo(InfluxDbSettings.of("https://influx.example:8086", "t0k", "bureau",
                "city"));
        assertThat(settings.telemetryTopic()).isEqualTo("t");
        assertThat(settings.alarmsTopic()).isEqualTo("a");
        assertThat(settings.groupId()).isEqualTo("g");
        assertThat(settings.flinkConfiguration().get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                .isEqualTo("file:///var/tocsin/checkpoints/ts");
        assertThat(settings.flinkConfiguration().get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
                .isEqualTo(Duration.ofSeconds(5));
        assertThat(settings.flinkConfiguration().get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    }

    @Test
    void theTokenComesFromTheInfluxCliVariableUnlessGivenAndIsNeverLogged() {
        Map<String, String> env = Map.of(TimeSeriesJobMain.TOKEN_VARIABLE, "from-env-secret");
        String[] args = {"--bootstrap-servers", "kafka:9092", "--influx-url", "http://influxdb:8086"};

        TimeSeriesJobMain.Settings fromEnv = TimeSeriesJobMain.Settings.parse(env, args);
        TimeSeriesJobMain.Settings fromArgs = TimeSeriesJobMain.Settings.parse(env, "--bootstrap-servers",
                "kafka:9092", "--influx-url", "http://influxdb:8086", "--influx-token", "from-args-secret");

        assertThat(fromEnv.store().token()).isEqualTo("from-env-secret");
        assertThat(fromArgs.store().token()).isEqualTo("from-args-secret");
        assertThat(fromEnv.toString()).doesNotContain("secret").contains("influxToken=given");
        assertThat(fromArgs.toString()).doesNotContain("secret");
        assertThat(TimeSeriesJobMain.Settings.parse(NO_ENV, args).toString()).contains("influxToken=none");
    }

    @Test
    void aMissingBrokerOrStoreOrABadStoreUrlIsAnErrorNamingTheArgument() {
        assertThatThrownBy(() -> TimeSeriesJobMain.Settings.parse(NO_ENV, "--bootstrap-servers", "kafka:9092"))
                .hasMessageContaining("influx-url");
        assertThatThrownBy(() -> TimeSeriesJobMain.Settings.parse(NO_ENV, "--influx-url", "http://influxdb:8086"))
                .hasMessageContaining("bootstrap-servers");
        assertThatThrownBy(() -> TimeSeriesJobMain.Settings.parse(NO_ENV, "--bootstrap-servers", "kafka:9092",
                "--influx-url", "influxdb:8086"))
                .hasMessageContaining("--influx-url influxdb:8086").hasMessageContaining("http://host:port");
        assertThatThrownBy(() -> TimeSeriesJobMain.Settings.parse(NO_ENV, "--bootstrap-servers", "kafka:9092",
                "--influx-url", "http://influxdb:8086", "--checkpoint-interval-ms", "0"))
                .hasMessageContaining("--checkpoint-interval-ms");
    }

    /**
     * What main submits, built (not run: the Kafka sources and the store sinks are real but connect only when the
     * job runs): both Kafka sources and the three store sinks, under the uids checkpoints are restored by, with
     * the checkpoint interval of the command line.
     */
    @Test
    void mainBuildsTheJobWithBothKafkaSourcesAndTheThreeStoreSinks() {
        TimeSeriesJobMain.Settings settings = TimeSeriesJobMain.Settings.parse(NO_ENV,
                "--bootstrap-servers", "kafka:9092", "--influx-url", "http://influxdb:8086",
                "--checkpoint-interval-ms", "5000");

        StreamGraph graph = TimeSeriesJobMain.environmentWithJob(settings).getStreamGraph();

        assertThat(graph.getStreamNodes()).extracting(StreamNode::getTransformationUID).contains(
                TimeSeriesJob.SOURCE_UID, TimeSeriesJob.DECODE_UID, TimeSeriesJob.SINK_UID, TimeSeriesJob.ROLLUP_UID,
                TimeSeriesJob.ROLLUP_SINK_UID, TimeSeriesJob.ALARM_SOURCE_UID, TimeSeriesJob.ALARM_SINK_UID);
        assertThat(graph.getCheckpointConfig().getCheckpointInterval()).isEqualTo(5_000);
    }
}
