package io.tocsin.jobs.commands;

import io.tocsin.jobs.alarms.EvaluateAlarmRules;
import io.tocsin.rules.lifecycle.AlarmCommand;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One result for a sensor-wide SUPPRESS or UNSUPPRESS (no rule id: "take this sensor out of service"), which
 * {@link DecodeAlarmCommand} sends to two stages: the sensor stage (or, for a zone, the zone stage behind it) for
 * the sensor's rules, and the field event stage for the fire, fault and offline alarms the same point reports.
 * Each answers a part on {@link #PARTS} instead of a result; this stage, keyed by command id and sensor
 * ({@link #keyOf}), waits for both parts and emits one {@link CommandResult}: accepted if either part was accepted
 * (the console must not show a refusal for a suppression that holds), refused only if both were, with both reasons.
 *
 * <p>Input 1: the parts of the sensor and zone stages; input 2: the parts of the field event stage. Parts of one key
 * are paired first in, first out per input (each stage answers a sensor's commands in order), so a sender reusing a
 * command id still gets one result per command. Every stage answers every command it gets, so a part does not wait
 * for ever: a checkpoint holds the waiting parts, and a command after it is replayed to both stages.
 */
public class MergeSensorWideResults
        extends KeyedCoProcessFunction<String, CommandResult, CommandResult, CommandResult> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MergeSensorWideResults.class);

    /** The part a stage answers for a sensor-wide command (see {@link #resultTag}). */
    public static final OutputTag<CommandResult> PARTS =
            new OutputTag<>("sensor-wide-command-parts", TypeInformation.of(CommandResult.class));

    /** Names of the keyed states in checkpoints and savepoints: never rename. */
    static final String RULE_PARTS_STATE = "sensor-wide-rule-parts";
    static final String FIELD_EVENT_PARTS_STATE = "sensor-wide-field-event-parts";

    private transient ListState<CommandResult> ruleParts;
    private transient ListState<CommandResult> fieldEventParts;
    private transient Counter refusedCommands;

    /** Whether the command goes to the sensor stage and to the field event stage (and is answered in parts). */
    public static boolean isSensorWide(AlarmCommand command) {
        return command.ruleId() == null
                && (command.type() == AlarmCommand.Type.SUPPRESS || command.type() == AlarmCommand.Type.UNSUPPRESS);
    }

    /**
     * Where a stage puts its answer to {@code command}: {@link #PARTS} for a sensor-wide command (another stage
     * answers it too), else {@link EvaluateAlarmRules#COMMAND_RESULTS}.
     */
    public static OutputTag<CommandResult> resultTag(AlarmCommand command) {
        return isSensorWide(command) ? PARTS : EvaluateAlarmRules.COMMAND_RESULTS;
    }

    /**
     * What the parts are keyed by: the command id, and the sensor it is about, so that two senders using the same
     * command id for different sensors (or a console leaving it empty) still get their own results.
     */
    public static String keyOf(CommandResult part) {
        return part.commandId() + "|" + part.siteId() + "/" + part.sensorId();
    }

    /**
     * The one result of a sensor-wide command from its two parts: the accepted part if there is one (the
     * sensor's rules' if both), else a refusal that gives both reasons (once if they are the same).
     */
    public static CommandResult merge(CommandResult ruleStage, CommandResult fieldEventStage) {
        long decidedAt = Math.max(ruleStage.decidedAtMs(), fieldEventStage.decidedAtMs());
        CommandResult base = ruleStage.accepted() || !fieldEventStage.accepted() ? ruleStage : fieldEventStage;
        String refusal = base.accepted() ? "" : ruleStage.refusal().equals(fieldEventStage.refusal())
                ? ruleStage.refusal()
                : "sensor rules: " + ruleStage.refusal() + "; field events: " + fieldEventStage.refusal();
        return new CommandResult(base.commandId(), base.accepted(), refusal, base.siteId(), base.sensorId(),
                base.type(), base.actor(), decidedAt);
    }

    @Override
    public void open(OpenContext openContext) {
        ruleParts = getRuntimeContext().getListState(
                new ListStateDescriptor<>(RULE_PARTS_STATE, TypeInformation.of(CommandResult.class)));
        fieldEventParts = getRuntimeContext().getListState(
                new ListStateDescriptor<>(FIELD_EVENT_PARTS_STATE, TypeInformation.of(CommandResult.class)));
        refusedCommands = getRuntimeContext().getMetricGroup().counter(EvaluateAlarmRules.REFUSED_COMMANDS);
    }

    @Override
    public void processElement1(CommandResult rulePart, Context ctx, Collector<CommandResult> out) throws Exception {
        CommandResult other = takeFirst(fieldEventParts);
        if (other == null) {
            ruleParts.add(rulePart);
        } else {
            emit(merge(rulePart, other), out);
        }
    }

    @Override
    public void processElement2(CommandResult fieldEventPart, Context ctx, Collector<CommandResult> out)
            throws Exception {
        CommandResult other = takeFirst(ruleParts);
        if (other == null) {
            fieldEventParts.add(fieldEventPart);
        } else {
            emit(merge(other, fieldEventPart), out);
        }
    }

    /** The stages only log their parts; a refusal of the whole command is counted and logged here. */
    private void emit(CommandResult result, Collector<CommandResult> out) {
        if (!result.accepted()) {
            refusedCommands.inc();
            LOG.warn("Command {} {} by '{}' on {}/{} refused: {}", result.commandId(), result.type(), result.actor(),
                    result.siteId(), result.sensorId(), result.refusal());
        }
        out.collect(result);
    }

    /** Removes and returns the oldest waiting part, or null if none waits. */
    private static CommandResult takeFirst(ListState<CommandResult> parts) throws Exception {
        Iterable<CommandResult> waiting = parts.get();
        if (waiting == null) {
            return null;
        }
        List<CommandResult> rest = new ArrayList<>();
        waiting.forEach(rest::add);
        if (rest.isEmpty()) {
            return null;
        }
        CommandResult first = rest.remove(0);
        parts.update(rest);
        return first;
    }
}
