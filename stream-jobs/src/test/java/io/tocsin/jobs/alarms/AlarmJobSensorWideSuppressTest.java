package io.tocsin.jobs.alarms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.tocsin.jobs.commands.CommandResult;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.jobs.testing.ForwardingWriter;
import io.tocsin.proto.v1.AlarmCommandRequest;
import io.tocsin.proto.v1.CommandType;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.Severity;
import io.tocsin.rules.TransitionCause;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole job on a Flink MiniCluster: a sensor-wide suppress holds for the fire events the point reports, an
 * unsuppress brings the fire back, and each command gets one result although two stages answer it.
 */
class AlarmJobSensorWideSuppressTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(1)
                    .build());

    private static final Queue<RoutedAlarm> ALARMS = new ConcurrentLinkedQueue<>();
    private static final Queue<CommandResult> RESULTS = new ConcurrentLinkedQueue<>();

    /**
     * The order across the telemetry and the command source, which Flink does not give: a source waits at a gate
     * until the sinks have seen what must come first. Static: Flink serialises the functions to the tasks.
     */
    enum Gate {
        OPEN, SUPPRESS_ANSWERED, ZONE_3_ALARMED;

        private static volatile CountDownLatch suppressAnswered;
        private static volatile CountDownLatch zone3Alarmed;

        static void reset() {
            suppressAnswered = new CountDownLatch(1);
            zone3Alarmed = new CountDownLatch(1);
        }

        /** Waits at most 20 s: without what it waits for, the test fails on its assertions instead of hanging. */
        void await() throws InterruptedException {
            switch (this) {
                case OPEN -> { }
                case SUPPRESS_ANSWERED -> suppressAnswered.await(20, TimeUnit.SECONDS);
                case ZONE_3_ALARMED -> zone3Alarmed.await(20, TimeUnit.SECONDS);
            }
        }
    }

    @BeforeEach
    void clear() {
        ALARMS.clear();
        RESULTS.clear();
        Gate.reset();
    }

    private static byte[] command(String id, CommandType type, String sensor, long t, String comment) {
        return AlarmCommandRequest.newBuilder().setCommandId(id).setType(type).setSiteId("park-1").setSensorId(sensor)
                .setActor("li").setComment(comment).setIssuedAtMs(t).build().toByteArray();
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aFirePointSuppressedSensorWideRaisesNoActiveAlarmUntilUnsuppressedAndEachCommandHasOneResult()
            throws Exception {
        byte[] fire = TelemetryBatch.newBuilder().setSiteId("park-1").setDeviceId("gw-1").setSequence(1)
                .addReadings(Reading.newBuilder().setSensorId("zone-3").setTimestampMs(3_000).setValue(1)
                        .setQuality(Quality.QUALITY_GOOD).setUnit("event:fire"))
                .build().toByteArray();
        byte[][] commands = {
                // zone-3 is a panel point without rules: the sensor stage refuses its part, the field event stage
                // accepts and remembers the suppression for the fire the point has not reported yet.
                command("c-sup", CommandType.COMMAND_TYPE_SUPPRESS, "zone-3", 2_000, "detector maintenance"),
                // gas-05 has rules: both stages accept.
                command("c-gas", CommandType.COMMAND_TYPE_SUPPRESS, "gas-05", 2_000, "recalibration"),
                // gas-99 is suppressed nowhere: both stages refuse.
                command("c-bad", CommandType.COMMAND_TYPE_UNSUPPRESS, "gas-99", 2_000, ""),
                command("c-unsup", CommandType.COMMAND_TYPE_UNSUPPRESS, "zone-3", 4_000, "maintenance done"),
        };

        Configuration conf = AlarmJob.recommendedConfiguration(Duration.ofMillis(100));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "disable");
        // No checkpoints: a source waiting at its gate would hold the other input's barrier (aligned checkpoints),
        // and with it the command the gate waits for.
        conf.removeConfig(CheckpointingOptions.CHECKPOINTING_INTERVAL);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        new AlarmJob(gated(new byte[][] {fire}, Gate.SUPPRESS_ANSWERED),
                gated(commands, Gate.OPEN, Gate.OPEN, Gate.OPEN, Gate.ZONE_3_ALARMED), null,
                new AlarmSink(), new ResultSink(),
                AlarmJob.Options.of(TestRules.THRESHOLD_ONLY).withRegistry(TestRules.REGISTRY))
                .buildPipeline(env);
        env.execute(AlarmJob.JOB_NAME);

        List<RoutedAlarm> zone3 = ALARMS.stream().filter(a -> a.escalationLevel() == 0)
                .filter(a -> a.transition().sensorId().equals("zone-3")).toList();
        assertThat(zone3).extracting(a -> a.transition().alarmId(), a -> a.transition().state(),
                        a -> a.transition().cause(), a -> a.transition().actor(), RoutedAlarm::stationIds)
                .containsExactly(
                        // the fire arrived while suppressed: shown out of service, with who and why, not active
                        tuple("park-1/zone-3/event-fire/0", AlarmState.SUPPRESSED, TransitionCause.SUPPRESS, "li",
                                List.of("station-07")),
                        tuple("park-1/zone-3/event-fire/1", AlarmState.ACTIVE_UNACKNOWLEDGED,
                                TransitionCause.UNSUPPRESS, "li", List.of("station-07")));
        assertThat(zone3.get(0).transition().severity()).isEqualTo(Severity.RED);
        assertThat(zone3.get(0).transition().comment()).isEqualTo("detector maintenance");
        assertThat(ALARMS).filteredOn(a -> a.transition().sensorId().equals("gas-05"))
                .extracting(a -> a.transition().state()).containsExactly(AlarmState.SUPPRESSED);

        assertThat(RESULTS).extracting(CommandResult::commandId, CommandResult::accepted)
                .containsExactlyInAnyOrder(tuple("c-sup", true), tuple("c-gas", true), tuple("c-bad", false),
                        tuple("c-unsup", true));
        assertThat(RESULTS).filteredOn(r -> r.commandId().equals("c-bad")).singleElement()
                .satisfies(r -> assertThat(r.refusal())
                        .contains("sensor rules: UNSUPPRESS of gas-high on park-1/gas-99 refused")
                        .contains("field events: the field events of park-1/gas-99 are not suppressed"));
    }

    /** The records in order, each emitted once its gate is open. */
    private static DataGeneratorSource<byte[]> gated(byte[][] records, Gate... gates) {
        GeneratorFunction<Long, byte[]> next = index -> {
            gates[index.intValue()].await();
            return records[index.intValue()];
        };
        return new DataGeneratorSource<>(next, records.length, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    /** Alarms into {@link #ALARMS}; the first of zone-3 opens {@link Gate#ZONE_3_ALARMED}. */
    private static final class AlarmSink implements Sink<RoutedAlarm> {

        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<RoutedAlarm> createWriter(WriterInitContext context) {
            return new ForwardingWriter<RoutedAlarm>(alarm -> {
                ALARMS.add(alarm);
                if (alarm.transition().sensorId().equals("zone-3")) {
                    Gate.zone3Alarmed.countDown();
                }
            });
        }
    }

    /** Command results into {@link #RESULTS}; c-sup's opens {@link Gate#SUPPRESS_ANSWERED}. */
    private static final class ResultSink implements Sink<CommandResult> {

        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<CommandResult> createWriter(WriterInitContext context) {
            return new ForwardingWriter<CommandResult>(result -> {
                RESULTS.add(result);
                if (result.commandId().equals("c-sup")) {
                    Gate.suppressAnswered.countDown();
                }
            });
        }
    }
}
