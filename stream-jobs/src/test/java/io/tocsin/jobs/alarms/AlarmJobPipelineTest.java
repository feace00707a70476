package io.tocsin.jobs.alarms;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.jobs.kafka.KafkaEndpoints;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Severity;
import io.tocsin.rules.threshold.HighThresholdRule;
import io.tocsin.rules.threshold.ThresholdState;
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

    private static final HighThresholdRule RULE = new HighThresholdRule("gas-high", 25.0, Severity.RED);

    private static StreamGraph productionGraph(Configuration conf) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        new AlarmJob(
                KafkaEndpoints.telemetrySource("localhost:9092", "telemetry", "tocsin-alarm-job"),
                KafkaEndpoints.alarmSink("localhost:9092", "alarms"),
                RULE)
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
                AlarmJob.SOURCE_UID, AlarmJob.DECODE_UID, AlarmJob.EVALUATE_UID, AlarmJob.SINK_UID);
    }

    @Test
    void theLatencyBoundAndKeyGroupsHoldEvenWithoutTheRecommendedConfiguration() {
        Map<String, StreamNode> nodes = nodesByUid(productionGraph(new Configuration()));

        assertThat(nodes.get(AlarmJob.SOURCE_UID).getBufferTimeout()).isEqualTo(1L);
        assertThat(nodes.get(AlarmJob.DECODE_UID).getBufferTimeout()).isEqualTo(1L);
        assertThat(nodes.get(AlarmJob.EVALUATE_UID).getBufferTimeout()).isEqualTo(1L);
        assertThat(nodes.get(AlarmJob.EVALUATE_UID).getMaxParallelism()).isEqualTo(AlarmJob.MAX_PARALLELISM);
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

    @ParameterizedTest
    @ValueSource(classes = {SensorReading.class, AlarmTransition.class, ThresholdState.class})
    void recordsInStreamsAndStateUseFlinksPojoSerializerNotKryo(Class<?> type) {
        TypeInformation<?> info = TypeInformation.of(type);
        TypeSerializer<?> serializer = info.createSerializer(new ExecutionConfig().getSerializerConfig());

        assertThat(info).isInstanceOf(PojoTypeInfo.class);
        assertThat(serializer).isInstanceOf(PojoSerializer.class);
    }
}
