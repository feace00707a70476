package io.tocsin.jobs.alarms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.jobs.testing.BoundedSources;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.Severity;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The whole job on a Flink MiniCluster: a fire panel's fire, sent as an event reading, is an alarm by default. */
class AlarmJobFieldEventTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(1)
                    .build());

    @BeforeEach
    void clear() {
        CollectingSink.clear();
    }

    private static Reading.Builder reading(String sensorId, long t, double value, String unit) {
        return Reading.newBuilder().setSensorId(sensorId).setTimestampMs(t).setValue(value)
                .setQuality(Quality.QUALITY_GOOD).setUnit(unit);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aFireEventFromAPanelRaisesARedAlarmRoutedToTheStationCoveringTheSiteWithoutAnyRuleForIt()
            throws Exception {
        // The rule file has rules for gas-* only: nothing matches the panel's zone-3.
        byte[] batch = TelemetryBatch.newBuilder().setSiteId("park-1").setDeviceId("gw-1").setSequence(1)
                .addReadings(reading("gas-05", 1_000, 2, "%LEL"))
                .addReadings(reading("zone-3", 1_500, 1, "event:fire"))
                .addReadings(reading("zone-4", 1_600, 1, "event:smoke"))     // unknown kind: counted, dropped
                .build().toByteArray();

        Configuration conf = AlarmJob.recommendedConfiguration(Duration.ofMillis(100));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "disable");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        new AlarmJob(BoundedSources.of(batch), null, null, new CollectingSink(), null,
                AlarmJob.Options.of(TestRules.THRESHOLD_ONLY).withRegistry(TestRules.REGISTRY))
                .buildPipeline(env);
        env.execute(AlarmJob.JOB_NAME);

        assertThat(CollectingSink.routed()).extracting(a -> a.transition().alarmId(), a -> a.transition().state(),
                        a -> a.transition().severity(), a -> a.transition().kind(), a -> a.transition().eventTimeMs(),
                        RoutedAlarm::stationIds)
                .containsExactly(tuple("park-1/zone-3/event-fire/1", AlarmState.ACTIVE_UNACKNOWLEDGED, Severity.RED,
                        AlarmKind.PROCESS, 1_500L, List.of("station-07")));
        assertThat(CollectingSink.collected().get(0).ruleSetVersion()).isEqualTo("test-1");
    }
}
