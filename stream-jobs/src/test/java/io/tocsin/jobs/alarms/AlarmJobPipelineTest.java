package io.tocsin.jobs.alarms;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.jobs.kafka.KafkaEndpoints;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.engine.SensorAlarmState;
import io.tocsin.rules.lifecycle.AlarmSlot;
import io.tocsin.rules.rate.SampleWindow;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shape of the production pipeline (with the real Kafka source and sink, no broker needed to build it):
 * what checkpoint compatibility and latency depend on.
 */
class AlarmJobPipelineTest {

    private static StreamGraph productionGraph(Configuration conf) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        new AlarmJob(
                KafkaEndpoints.telemetrySource("localhost:9092", "telemetry", "tocsin-alarm-job"),
                KafkaEndpoints.commandSource("localhost:9092", "commands", "tocsin-alarm-job"),
                KafkaEndpoints.registrySource("localhost:9092", "registry", "tocsin-alarm-job"),
                KafkaEndpoints.statusSource("localhost:9092", "status", "tocsin-alarm-job"),
                KafkaEndpoints.alarmSink("localhost:9092", "alarms"),
                KafkaEndpoints.commandResultSink("localhost:9092", "command-results"),
                AlarmJob.Options.of(TestRules.GAS))
                .buildPipeline(env);
        // Building the graph creates every edge's serializer: with generic types disabled (as in the
        // recommended configuration) a Kryo fallback anywhere would throw here.
        return env.getStreamGraph();
    }

    private static Map<String, StreamNode> nodesByUid(StreamGraph graph) {
        return graph.getStreamNodes().stream()
                .collect(Collectors.toMap(StreamNode::getTransformationUID, Function.identity()));
    }

    @Test
    void everyOperatorHasItsStableUid() {
        Collection<StreamNode> nodes =
                productionGraph(AlarmJob.recommendedConfiguration(Duration.ofSeconds(10))).getStreamNodes();

        assertThat(nodes).allSatisfy(node -> assertThat(node.getTransformationUID())
                .as("uid of %s", node.getOperatorName()).isNotBlank());
        assertThat(nodes).extracting(StreamNode::getTransformationUID).contains(
                AlarmJob.SOURCE_UID, AlarmJob.DECODE_UID, AlarmJob.EVALUATE_UID, AlarmJob.SINK_UID,
                AlarmJob.COMMAND_SOURCE_UID, AlarmJob.DECODE_COMMAND_UID, AlarmJob.REGISTRY_SOURCE_UID,
                AlarmJob.ZONE_UID, AlarmJob.ESCALATE_UID, AlarmJob.COMMAND_RESULT_SINK_UID,
                AlarmJob.STATUS_SOURCE_UID, AlarmJob.DECODE_STATUS_UID, AlarmJob.GATEWAY_UID,
                AlarmJob.FIELD_EVENT_UID, AlarmJob.MERGE_COMMAND_RESULTS_UID);
    }

    @Test
    void theLatencyBoundAndKeyGroupsHoldEvenWithoutTheRecommendedConfiguration() {
        StreamGraph graph = productionGraph(new Configuration());
        Map<String, StreamNode> nodes = nodesByUid(graph);

        // Readings' edge to the rules: 1 ms; every other edge (alarms, votes, commands, registry, status, field
        // events): a flush per record, no flusher thread.
        assertThat(nodes.get(AlarmJob.READING_TIME_UID).getBufferTimeout()).isEqualTo(1L);
        // (Sink writers hand committables to their committer at checkpoints, chained: no network edge.)
        assertThat(graph.getStreamNodes()).filteredOn(node -> !node.getOutEdges().isEmpty())
                .filteredOn(node -> !node.getOperatorName().endsWith(": Writer"))
                .filteredOn(node -> !AlarmJob.READING_TIME_UID.equals(node.getTransformationUID()))
                .isNotEmpty()
                .allSatisfy(node -> assertThat(node.getBufferTimeout()).as("buffer timeout of %s",
                        node.getOperatorName()).isZero());
        assertThat(nodes.get(AlarmJob.EVALUATE_UID).getMaxParallelism()).isEqualTo(AlarmJob.MAX_PARALLELISM);
        assertThat(nodes.get(AlarmJob.GATEWAY_UID).getMaxParallelism()).isEqualTo(AlarmJob.MAX_PARALLELISM);
        assertThat(nodes.get(AlarmJob.FIELD_EVENT_UID).getMaxParallelism()).isEqualTo(AlarmJob.MAX_PARALLELISM);
        assertThat(nodes.get(AlarmJob.MERGE_COMMAND_RESULTS_UID).getMaxParallelism())
                .isEqualTo(AlarmJob.MAX_PARALLELISM);
    }

    @Test
    void theRecommendedConfigurationTakesEffect() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(
                AlarmJob.recommendedConfiguration(Duration.ofSeconds(10)));

        assertThat(env.getCheckpointConfig().getCheckpointInterval()).isEqualTo(10_000L);
        assertThat(env.getCheckpointConfig().getCheckpointingConsistencyMode())
                .isEqualTo(CheckpointingMode.EXACTLY_ONCE);
        assertThat(env.getCheckpointConfig().getTolerableCheckpointFailureNumber()).isPositive();
        assertThat(env.getBufferTimeout()).isEqualTo(1L);
        assertThat(env.getConfig().getSerializerConfig().hasGenericTypesDisabled()).isTrue();
    }

    /**
     * SensorInput, which crosses the keyBy with every reading, and SensorRuleState, the rules stage's state, have
     * their own serializers (SensorInputSerializerTest, SensorRuleStateSerializerTest).
     */
    @ParameterizedTest
    @ValueSource(classes = {SensorReading.class, AlarmTransition.class, SensorAlarmState.class, AlarmSlot.class,
            SampleWindow.class, SensorClock.class,
            io.tocsin.rules.lifecycle.AlarmCommand.class,
            io.tocsin.jobs.routing.RoutedAlarm.class, io.tocsin.jobs.zones.ZoneInput.class,
            io.tocsin.jobs.commands.CommandResult.class, io.tocsin.jobs.registry.RegistryEntry.class,
            io.tocsin.jobs.escalation.PendingEscalation.class, io.tocsin.jobs.gateways.GatewayInput.class,
            io.tocsin.jobs.gateways.GatewayStatus.class, io.tocsin.jobs.gateways.GatewayConnection.class})
    void recordsInStreamsAndStateUseFlinksPojoSerializerNotKryo(Class<?> type) {
        TypeInformation<?> info = TypeInformation.of(type);
        TypeSerializer<?> serializer = info.createSerializer(new ExecutionConfig().getSerializerConfig());

        assertThat(info).isInstanceOf(PojoTypeInfo.class);
        assertThat(serializer).isInstanceOf(PojoSerializer.class);
    }

    @Test
    void aSensorsEngineStateSurvivesFlinksSerializerWithKryoForbidden() throws Exception {
        org.apache.flink.api.common.serialization.SerializerConfigImpl config =
                new org.apache.flink.api.common.serialization.SerializerConfigImpl();
        config.setGenericTypes(false);
        TypeSerializer<SensorAlarmState> serializer =
                TypeInformation.of(SensorAlarmState.class).createSerializer(config);
        // A state with every part filled: a sample window, a slot with flapping history, a shelved slot.
        io.tocsin.rules.engine.SensorAlarmEngine engine = io.tocsin.rules.config.RuleFileLoader.loadDefault()
                .engineFor("example-plant", "gas-tank-07");
        SensorAlarmState state = null;
        for (int i = 0; i < 40; i++) {
            state = engine.onReading(state, new SensorReading("example-plant", "gw-1", "gas-tank-07",
                    1_000L * i, i % 2 == 0 ? 40 : 1, io.tocsin.rules.ReadingQuality.GOOD)).state();
        }
        state = engine.onCommand(state, io.tocsin.rules.lifecycle.AlarmCommand.shelve("example-plant", "gas-tank-07",
                "gas-fault", "li", 50_000, 90_000, "test")).state();

        org.apache.flink.core.memory.DataOutputSerializer out = new org.apache.flink.core.memory.DataOutputSerializer(256);
        serializer.serialize(state, out);
        SensorAlarmState copy = serializer.deserialize(
                new org.apache.flink.core.memory.DataInputDeserializer(out.getCopyOfBuffer()));

        assertThat(copy).isEqualTo(state);
        assertThat(copy.window().slopePerMinute()).isEqualTo(state.window().slopePerMinute());
        assertThat(copy.slot("gas-fault").shelvedUntilMs()).isEqualTo(90_000);
        assertThat(copy.slot("gas-rise").changeTimes()).isEqualTo(state.slot("gas-rise").changeTimes());
    }
}
