package io.tocsin.jobs.alarms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.tocsin.jobs.commands.CommandResult;
import io.tocsin.jobs.gateways.GatewayFaultPolicy;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.jobs.testing.BoundedSources;
import io.tocsin.jobs.testing.ForwardingWriter;
import io.tocsin.proto.v1.AlarmCommandRequest;
import io.tocsin.proto.v1.CommandType;
import io.tocsin.proto.v1.ConnectionState;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.StatusCause;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.Severity;
import io.tocsin.rules.TransitionCause;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The whole job on a Flink MiniCluster with a status source: gateway faults, routed, and their commands. */
class AlarmJobGatewayFaultTest {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(1)
                    .build());

    private static final Queue<CommandResult> RESULTS = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void clear() {
        CollectingSink.clear();
        RESULTS.clear();
    }

    private static byte[] status(String site, String device, String server, ConnectionState state, StatusCause cause,
            long t) {
        return DeviceStatus.newBuilder().setClientId("client-" + device).setSiteId(site).setDeviceId(device)
                .setState(state).setCause(cause).setEventTimeMs(t).setTransport("mqtt").setServerId(server)
                .build().toByteArray();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aGatewayGoingOfflineRaisesAFaultToItsSitesStationAndItsCommandsReachTheSameState() throws Exception {
        byte[][] statuses = {
                status("park-1", "gw-1", "ingest-a", ConnectionState.CONNECTION_STATE_ONLINE,
                        StatusCause.STATUS_CAUSE_CONNECTED, 1_000),
                status("", "", "ingest-a", ConnectionState.CONNECTION_STATE_ONLINE,       // a station: ignored
                        StatusCause.STATUS_CAUSE_CONNECTED, 1_500),
                {(byte) 0xFF, (byte) 0xFF},                                                 // garbage: dropped
                status("park-1", "gw-1", "ingest-a", ConnectionState.CONNECTION_STATE_OFFLINE,
                        StatusCause.STATUS_CAUSE_KEEPALIVE_TIMEOUT, 2_000),
                status("park-1", "gw-1", "ingest-b", ConnectionState.CONNECTION_STATE_ONLINE,
                        StatusCause.STATUS_CAUSE_CONNECTED, 5_000),
                status("park-1", "gw-1", "ingest-a", ConnectionState.CONNECTION_STATE_OFFLINE,  // superseded
                        StatusCause.STATUS_CAUSE_CONNECTION_LOST, 6_000),
        };
        // A shelve of another gateway's fault: accepted only if the command reaches the gateway stage (the sensor
        // stage refuses "neither a sensor with alarm rules nor a zone"), whatever the order of the two sources.
        byte[] shelve = AlarmCommandRequest.newBuilder().setCommandId("c-1").setType(CommandType.COMMAND_TYPE_SHELVE)
                .setSiteId("park-1").setSensorId("gw-2").setRuleId("gateway-offline").setActor("li")
                .setComment("uplink works announced").setIssuedAtMs(3_000).setShelveUntilMs(3_600_000)
                .build().toByteArray();
        byte[] telemetry = TelemetryBatch.newBuilder().setSiteId("park-1").setDeviceId("gw-1").setSequence(1)
                .addReadings(Reading.newBuilder().setSensorId("gas-05").setTimestampMs(1_000).setValue(2)
                        .setQuality(Quality.QUALITY_GOOD)).build().toByteArray();

        Configuration conf = AlarmJob.recommendedConfiguration(Duration.ofMillis(100));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "disable");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        // No grace: a bounded job ends before a processing-time timer would fire (the grace is the harness's).
        new AlarmJob(BoundedSources.of(telemetry), BoundedSources.of(shelve), null, BoundedSources.of(statuses),
                new CollectingSink(), new ResultSink(),
                AlarmJob.Options.of(TestRules.THRESHOLD_ONLY).withRegistry(TestRules.REGISTRY)
                        .withGatewayFaults(new GatewayFaultPolicy(Severity.YELLOW, Duration.ZERO)))
                .buildPipeline(env);
        env.execute(AlarmJob.JOB_NAME);

        List<RoutedAlarm> gw1 = CollectingSink.routed().stream()
                .filter(a -> a.transition().deviceId().equals("gw-1")).toList();
        assertThat(gw1).extracting(a -> a.transition().alarmId(), a -> a.transition().state(),
                        a -> a.transition().eventTimeMs(), RoutedAlarm::stationIds)
                .containsExactly(
                        tuple("park-1/gw-1/gateway-offline/1", AlarmState.ACTIVE_UNACKNOWLEDGED, 2_000L,
                                List.of("station-07")),
                        tuple("park-1/gw-1/gateway-offline/1", AlarmState.RETURNED_UNACKNOWLEDGED, 5_000L,
                                List.of("station-07")));
        assertThat(gw1.get(0).transition().kind()).isEqualTo(AlarmKind.FAULT);
        assertThat(gw1.get(0).transition().severity()).isEqualTo(Severity.YELLOW);
        assertThat(CollectingSink.routed()).filteredOn(a -> a.transition().deviceId().equals("gw-2")
                        || a.transition().sensorId().equals("gw-2"))
                .extracting(a -> a.transition().state(), a -> a.transition().cause(), a -> a.transition().actor())
                .containsExactly(tuple(AlarmState.SHELVED, TransitionCause.SHELVE, "li"));
        assertThat(RESULTS).extracting(CommandResult::commandId, CommandResult::accepted)
                .containsExactly(tuple("c-1", true));
    }

    /** Command results into {@link #RESULTS} (static: Flink serialises the sink to the task). */
    private static final class ResultSink implements Sink<CommandResult> {

        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<CommandResult> createWriter(WriterInitContext context) {
            return new ForwardingWriter<>(RESULTS::add);
        }
    }
}
