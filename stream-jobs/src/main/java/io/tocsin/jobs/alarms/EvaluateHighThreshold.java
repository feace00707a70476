package io.tocsin.jobs.alarms;

import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.RuleOutcome;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Severity;
import io.tocsin.rules.threshold.HighThresholdRule;
import io.tocsin.rules.threshold.ThresholdState;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the pure {@link HighThresholdRule} per sensor (keyed by {@link SiteSensorKey}), keeping its
 * {@link ThresholdState} in Flink keyed state so that it is checkpointed and restored with the job.
 *
 * <p>Restoring the state restores the activation count, so readings replayed after a restart produce the same
 * alarm ids as the first time and duplicates collapse downstream.
 */
public class EvaluateHighThreshold extends KeyedProcessFunction<String, SensorReading, AlarmTransition> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateHighThreshold.class);

    /** Name of the keyed state in checkpoints and savepoints: renaming it loses every sensor's state. */
    static final String STATE_NAME = "high-threshold-state";

    // The rule's parts rather than the rule: HighThresholdRule is a record that is not Serializable, and
    // Flink ships functions to the task managers by Java serialization.
    private final String ruleId;
    private final double threshold;
    private final Severity severity;

    private transient HighThresholdRule rule;
    private transient ValueState<ThresholdState> state;

    public EvaluateHighThreshold(HighThresholdRule rule) {
        Objects.requireNonNull(rule, "rule");
        this.ruleId = rule.ruleId();
        this.threshold = rule.threshold();
        this.severity = rule.severity();
    }

    @Override
    public void open(OpenContext openContext) {
        rule = new HighThresholdRule(ruleId, threshold, severity);
        // TypeInformation.of(record) gives Flink's POJO serializer (records are supported since Flink 1.19);
        // tests assert it is not a Kryo generic type.
        state = getRuntimeContext().getState(
                new ValueStateDescriptor<>(STATE_NAME, TypeInformation.of(ThresholdState.class)));
    }

    @Override
    public void processElement(SensorReading reading, Context ctx, Collector<AlarmTransition> out)
            throws Exception {
        ThresholdState current = state.value();
        if (current == null) {
            current = ThresholdState.INITIAL;
        }
        RuleOutcome<ThresholdState> outcome = rule.evaluate(current, reading);
        // Most readings change nothing: skip the write (it costs a serialisation with RocksDB), and sensors
        // that never alarmed keep no state at all.
        if (!outcome.state().equals(current)) {
            state.update(outcome.state());
        }
        for (AlarmTransition transition : outcome.transitions()) {
            // Transitions are rare and are what people act on: worth one log line each.
            LOG.info("Alarm {} {}: value {} threshold {} at {}", transition.alarmId(), transition.state(),
                    transition.value(), transition.threshold(), transition.eventTimeMs());
            out.collect(transition);
        }
    }
}
