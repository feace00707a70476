package io.tocsin.standalone.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import io.tocsin.jobs.alarms.AlarmJob;
import io.tocsin.jobs.alarms.RuleFileText;
import io.tocsin.jobs.kafka.KafkaEndpoints;
import io.tocsin.jobs.registry.RegistryFileText;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.proto.v1.AlarmCommandRequest;
import io.tocsin.proto.v1.AlarmCommandResult;
import io.tocsin.proto.v1.CommandType;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.Severity;
import io.tocsin.standalone.flink.EmbeddedFlinkCluster;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripted incident on real parts (embedded KRaft Kafka, Flink MiniCluster, the production Kafka sources and
 * sinks): gas rising in a tank farm of a chemical park. One detector alarms (its own alarm, no zone alarm yet),
 * a second one joins (2 of 3: the zone alarm is confirmed), routed to the station covering the park; the
 * station acknowledges it through the commands topic; the gas clears and everything returns to normal.
 */
class ScriptedIncidentEndToEndTest {

    static final RuleFileText RULES = new RuleFileText("incident-rules.yaml", """
            version: "incident-1"
            sensorTypes:
              combustible-gas:
                match: ["gas-*"]
                span: {min: 0, max: 100}
                rules:
                  - id: gas-high-1
                    kind: threshold-high
                    setPoint: 25
                    severity: ORANGE
            """);

    static final RegistryFileText SITES = new RegistryFileText("incident-sites.yaml", """
            version: "sites-1"
            sites:
              chem-park-1:
                name: Chemical park 1
                risk: MAJOR
                stations: [station-07]
                escalateTo: [station-09]
                zones:
                  tank-farm-a:
                    sensors: [gas-01, gas-02, gas-03]
                    vote: 2
                    severity: RED
              community-042:
                stations: [station-31]
            """);

    private static final long T0 = 1_790_000_000_000L;

    @TempDir
    Path dataDir;

    @Test
    void gasRisesInATankFarmIsConfirmedRoutedAcknowledgedAndReturnsToNormal() throws Exception {
        try (EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(dataDir.resolve("kafka"), 0, 0).start()) {
            kafka.createTopics(Map.of("telemetry", 1, "commands", 1, "registry", 1, "alarms", 1,
                    "command-results", 1));
            String bootstrap = kafka.bootstrapServers();
            try (EmbeddedFlinkCluster flink = EmbeddedFlinkCluster.start(1);
                 AlarmTopics topics = new AlarmTopics(bootstrap, "alarms", "command-results")) {
                flink.submit(AlarmJob.JOB_NAME, AlarmJob.recommendedConfiguration(Duration.ofSeconds(1)),
                        env -> new AlarmJob(
                                KafkaEndpoints.telemetrySource(bootstrap, "telemetry", "incident"),
                                KafkaEndpoints.commandSource(bootstrap, "commands", "incident"),
                                KafkaEndpoints.registrySource(bootstrap, "registry", "incident"),
                                KafkaEndpoints.alarmSink(bootstrap, "alarms"),
                                KafkaEndpoints.commandResultSink(bootstrap, "command-results"),
                                AlarmJob.Options.of(RULES).withRegistry(SITES))
                                .buildPipeline(env));

                // All three detectors report clean air; then the first one smells gas.
                topics.readings("telemetry", "chem-park-1", T0, "gas-01", 3, "gas-02", 2, "gas-03", 4);
                topics.readings("telemetry", "chem-park-1", T0 + 1_000, "gas-01", 31, "gas-02", 8, "gas-03", 4);
                List<RoutedAlarm> phase1 = awaitAlarms(topics, 1);
                assertThat(phase1).extracting(RoutedAlarm::alarmId, a -> a.transition().state(),
                                RoutedAlarm::stationIds)
                        .containsExactly(tuple("chem-park-1/gas-01/gas-high-1/1", AlarmState.ACTIVE_UNACKNOWLEDGED,
                                List.of("station-07")));

                // The second detector: 2 of 3, the zone alarm is confirmed.
                topics.readings("telemetry", "chem-park-1", T0 + 2_000, "gas-01", 38, "gas-02", 29, "gas-03", 5);
                List<RoutedAlarm> phase2 = awaitAlarms(topics, 3).subList(1, 3);
                assertThat(phase2).extracting(RoutedAlarm::alarmId, a -> a.transition().state())
                        .containsExactlyInAnyOrder(
                                tuple("chem-park-1/gas-02/gas-high-1/1", AlarmState.ACTIVE_UNACKNOWLEDGED),
                                tuple("chem-park-1/tank-farm-a/zone-vote/1", AlarmState.ACTIVE_UNACKNOWLEDGED));
                RoutedAlarm zoneAlarm = phase2.stream().filter(a -> !a.zoneId().isEmpty()).findFirst().orElseThrow();
                assertThat(zoneAlarm.transition().severity()).isEqualTo(Severity.RED);
                assertThat(zoneAlarm.stationIds()).containsExactly("station-07");
                assertThat(zoneAlarm.zoneId()).isEqualTo("tank-farm-a");
                assertThat(zoneAlarm.transition().ruleSetVersion()).isEqualTo("sites-1");

                // Station 07 acknowledges the zone alarm.
                topics.command("commands", AlarmCommandRequest.newBuilder().setCommandId("ack-1")
                        .setType(CommandType.COMMAND_TYPE_ACKNOWLEDGE).setSiteId("chem-park-1")
                        .setSensorId("tank-farm-a").setAlarmId(zoneAlarm.alarmId()).setActor("station-07/wang")
                        .setComment("crew on the way").setIssuedAtMs(T0 + 3_000).build());
                List<RoutedAlarm> phase3 = awaitAlarms(topics, 4).subList(3, 4);
                assertThat(phase3).extracting(RoutedAlarm::alarmId, a -> a.transition().state(),
                                a -> a.transition().actor())
                        .containsExactly(tuple(zoneAlarm.alarmId(), AlarmState.ACTIVE_ACKNOWLEDGED, "station-07/wang"));
                await().atMost(Duration.ofSeconds(30)).until(() -> !topics.results().isEmpty());
                assertThat(topics.results()).extracting(AlarmCommandResult::getCommandId,
                        AlarmCommandResult::getAccepted).containsExactly(tuple("ack-1", true));

                // The leak is closed: the gas clears.
                topics.readings("telemetry", "chem-park-1", T0 + 60_000, "gas-01", 4, "gas-02", 3, "gas-03", 3);
                List<RoutedAlarm> phase4 = awaitAlarms(topics, 7).subList(4, 7);
                assertThat(phase4).extracting(RoutedAlarm::alarmId, a -> a.transition().state())
                        .containsExactlyInAnyOrder(
                                tuple("chem-park-1/gas-01/gas-high-1/1", AlarmState.RETURNED_UNACKNOWLEDGED),
                                tuple("chem-park-1/gas-02/gas-high-1/1", AlarmState.RETURNED_UNACKNOWLEDGED),
                                tuple(zoneAlarm.alarmId(), AlarmState.NORMAL));
                assertThat(topics.alarms()).as("nothing else, and no escalation").hasSize(7)
                        .allSatisfy(a -> assertThat(a.escalationLevel()).isZero());
            }
        }
    }

    private static List<RoutedAlarm> awaitAlarms(AlarmTopics topics, int count) {
        await().atMost(Duration.ofSeconds(60)).until(() -> topics.alarms().size() >= count);
        try {
            List<RoutedAlarm> all = topics.alarms();
            assertThat(all).hasSize(count);
            return all;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
