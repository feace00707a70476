package io.tocsin.jobs.alarms;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.jobs.testing.BoundedSources;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The whole job on a Flink MiniCluster, with a bounded source of TelemetryBatch bytes. */
class AlarmJobTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(1)
                    .build());

    @BeforeEach
    void clearSink() {
        CollectingSink.clear();
    }

    private static byte[] batch(String site, long sequence, Reading... readings) {
        return TelemetryBatch.newBuilder().setSiteId(site).setDeviceId("gw-1").setSequence(sequence)
                .addAllReadings(Arrays.asList(readings)).build().toByteArray();
    }

    private static Reading good(String sensor, long t, double value) {
        return Reading.newBuilder().setSensorId(sensor).setTimestampMs(t).setValue(value)
                .setQuality(Quality.QUALITY_GOOD).setUnit("%LEL").build();
    }

    private static AlarmTransition alarm(String site, String sensor, long activation, AlarmState state,
            double value, long raisedAt, long eventTime) {
        return TestRules.gasHigh(site, sensor, activation, state, value, raisedAt, eventTime);
    }

    @ParameterizedTest(name = "state backend {0}")
    @ValueSource(strings = {"hashmap", "rocksdb"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void decidesEveryTransitionAndSurvivesMalformedRecords(String stateBackend) throws Exception {
        byte[] secondBatch = batch("park-1", 2, good("gas-03", 2_000, 26), good("gas-04", 2_000, 5));
        byte[][] telemetry = {
                batch("park-1", 1, good("gas-03", 1_000, 10), good("gas-04", 1_000, 30)),
                {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF},                                // garbage
                secondBatch,
                Arrays.copyOf(secondBatch, secondBatch.length - 2),                   // truncated
                batch("park-2", 1, good("gas-03", 2_500, 99)),
                batch("park-1", 3, good("gas-04", 3_000, 40),
                        good("gas-03", 3_000, 0).toBuilder().setQuality(Quality.QUALITY_BAD).build()),
                batch("", 9, good("gas-03", 3_500, 99)),                               // no site id
                batch("park-1", 4, good("gas-03", 4_000, 1)),
        };

        // Checkpointing and the other production settings on, but no restarts: a failure must fail the test
        // rather than loop.
        Configuration conf = AlarmJob.recommendedConfiguration(Duration.ofMillis(100));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "disable");
        conf.set(StateBackendOptions.STATE_BACKEND, stateBackend);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        // One source reader keeps the records in order; the keyed operator's parallelism is exercised by the
        // operator harness tests.
        env.setParallelism(1);
        assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled())
                .as("Kryo fallback is forbidden, so a non-POJO type fails this test")
                .isTrue();

        new AlarmJob(BoundedSources.of(telemetry), new CollectingSink(), TestRules.THRESHOLD_ONLY).buildPipeline(env);
        env.execute(AlarmJob.JOB_NAME);

        assertThat(CollectingSink.collected()).containsExactly(
                alarm("park-1", "gas-04", 1, AlarmState.ACTIVE_UNACKNOWLEDGED, 30, 1_000, 1_000),
                alarm("park-1", "gas-03", 1, AlarmState.ACTIVE_UNACKNOWLEDGED, 26, 2_000, 2_000),
                alarm("park-1", "gas-04", 1, AlarmState.RETURNED_UNACKNOWLEDGED, 5, 1_000, 2_000),
                alarm("park-2", "gas-03", 1, AlarmState.ACTIVE_UNACKNOWLEDGED, 99, 2_500, 2_500),
                alarm("park-1", "gas-04", 2, AlarmState.ACTIVE_UNACKNOWLEDGED, 40, 3_000, 3_000),
                alarm("park-1", "gas-03", 1, AlarmState.RETURNED_UNACKNOWLEDGED, 1, 2_000, 4_000));
    }

}
