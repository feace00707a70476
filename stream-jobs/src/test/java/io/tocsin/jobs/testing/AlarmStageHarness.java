package io.tocsin.jobs.testing;

import io.tocsin.jobs.alarms.EvaluateAlarmRules;
import io.tocsin.jobs.alarms.Harnesses;
import io.tocsin.jobs.commands.CommandResult;
import io.tocsin.jobs.commands.MergeSensorWideResults;
import io.tocsin.jobs.registry.RegistryEntry;
import io.tocsin.jobs.routing.RoutedAlarm;
import java.util.List;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;

/**
 * A keyed stage that raises alarms beside the sensor rules (gateway faults, field events) in an operator harness,
 * opened with its processing-time clock at 0: what it emitted, its command results, its timers.
 *
 * @param <IN> the stage's keyed input (its events and the commands routed to it)
 */
public final class AlarmStageHarness<IN> implements AutoCloseable {

    private final KeyedBroadcastOperatorTestHarness<String, IN, RegistryEntry, RoutedAlarm> harness;

    private AlarmStageHarness(KeyedBroadcastOperatorTestHarness<String, IN, RegistryEntry, RoutedAlarm> harness) {
        this.harness = harness;
    }

    /** The stage from scratch. */
    public static <IN> AlarmStageHarness<IN> open(
            KeyedBroadcastProcessFunction<String, IN, RegistryEntry, RoutedAlarm> stage, KeySelector<IN, String> key)
            throws Exception {
        return restore(stage, key, null);
    }

    /** The stage restored from {@code snapshot} (of {@link #snapshot}), as after a restart from a checkpoint. */
    public static <IN> AlarmStageHarness<IN> restore(
            KeyedBroadcastProcessFunction<String, IN, RegistryEntry, RoutedAlarm> stage, KeySelector<IN, String> key,
            OperatorSubtaskState snapshot) throws Exception {
        var h = Harnesses.keyed(stage, key);
        if (snapshot != null) {
            h.initializeState(snapshot);
        }
        h.open();
        h.setProcessingTime(0);
        return new AlarmStageHarness<>(h);
    }

    /** One input, with its record timestamp (event time). */
    public void process(IN input, long timestampMs) throws Exception {
        harness.processElement(input, timestampMs);
    }

    /** Moves the processing-time clock, firing the timers that are due. */
    public void setProcessingTime(long ms) throws Exception {
        harness.setProcessingTime(ms);
    }

    /** Every alarm emitted since the start or the last {@link #clearAlarms}, in order. */
    public List<RoutedAlarm> alarms() {
        return harness.extractOutputValues();
    }

    public void clearAlarms() {
        harness.getOutput().clear();
    }

    /** Every command result (side output {@link EvaluateAlarmRules#COMMAND_RESULTS}), in order. */
    public List<CommandResult> commandResults() {
        var out = harness.getSideOutput(EvaluateAlarmRules.COMMAND_RESULTS);
        return out == null ? List.of() : out.stream().map(StreamRecord::getValue).toList();
    }

    /** Every part answered to a sensor-wide command (side output {@link MergeSensorWideResults#PARTS}), in order. */
    public List<CommandResult> commandResultParts() {
        var out = harness.getSideOutput(MergeSensorWideResults.PARTS);
        return out == null ? List.of() : out.stream().map(StreamRecord::getValue).toList();
    }

    public int processingTimeTimers() {
        return harness.numProcessingTimeTimers();
    }

    /** The stage's state as in checkpoint 1, for {@link #restore}. */
    public OperatorSubtaskState snapshot() throws Exception {
        return harness.snapshot(1, 1);
    }

    @Override
    public void close() throws Exception {
        harness.close();
    }
}
