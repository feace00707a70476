package io.tocsin.jobs.commands;

import io.tocsin.jobs.alarms.EvaluateAlarmRules;
import io.tocsin.rules.lifecycle.AlarmCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
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
 * command id still gets one result per command. Every stage answers every command it gets (a checkpoint holds the
 * waiting parts, and a command after it is replayed to both stages), but should one not, a part waits at most
 * {@link #PART_TIMEOUT}: the command is then answered with that part alone (logged at WARN, naming the stage that
 * did not answer), and the missing part, should it come after all, is dropped rather than paired with a later
 * command's.
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
    static final String RULE_DEADLINES_STATE = "sensor-wide-rule-part-deadlines";
    static final String FIELD_EVENT_DEADLINES_STATE = "sensor-wide-field-event-part-deadlines";
    static final String LATE_RULE_PARTS_STATE = "sensor-wide-late-rule-parts";
    static final String LATE_FIELD_EVENT_PARTS_STATE = "sensor-wide-late-field-event-parts";

    /** Longest wait of one stage's part for the other's (processing time): a console waits for the answer. */
    public static final Duration PART_TIMEOUT = Duration.ofSeconds(30);

    /** One stage's side: its waiting parts, their deadlines (same order), and parts to drop when they come late. */
    private static final class Side {
        final String stage;
        final ListState<CommandResult> parts;
        final ListState<Long> deadlines;
        final ValueState<Integer> late;

        Side(String stage, ListState<CommandResult> parts, ListState<Long> deadlines, ValueState<Integer> late) {
            this.stage = stage;
            this.parts = parts;
            this.deadlines = deadlines;
            this.late = late;
        }

        /** A part of this side came: true if it is one answered without it already (and is to be dropped). */
        boolean takeLate() throws Exception {
            Integer owed = late.value();
            if (owed == null || owed == 0) {
                return false;
            }
            late.update(owed - 1);
            return true;
        }

        void owe() throws Exception {
            Integer owed = late.value();
            late.update(owed == null ? 1 : owed + 1);
        }

        void add(CommandResult part, long deadline) throws Exception {
            parts.add(part);
            deadlines.add(deadline);
        }

        /** Removes and returns the oldest waiting part, or null if none waits. */
        CommandResult takeFirst() throws Exception {
            List<CommandResult> waiting = list(parts.get());
            if (waiting.isEmpty()) {
                return null;
            }
            CommandResult first = waiting.remove(0);
            parts.update(waiting);
            List<Long> due = list(deadlines.get());
            if (!due.isEmpty()) { // none for parts restored from before deadlines were kept: they wait as before
                due.remove(0);
                deadlines.update(due);
            }
            return first;
        }

        /** Removes and returns the waiting parts whose deadline is at or before {@code now}, oldest first. */
        List<CommandResult> takeExpired(long now) throws Exception {
            List<CommandResult> waiting = list(parts.get());
            List<Long> due = list(deadlines.get());
            int expired = 0;
            while (expired < due.size() && expired < waiting.size() && due.get(expired) <= now) {
                expired++;
            }
            if (expired == 0) {
                return List.of();
            }
            List<CommandResult> taken = new ArrayList<>(waiting.subList(0, expired));
            parts.update(new ArrayList<>(waiting.subList(expired, waiting.size())));
            deadlines.update(new ArrayList<>(due.subList(expired, due.size())));
            return taken;
        }

        private static <T> List<T> list(Iterable<T> values) {
            List<T> list = new ArrayList<>();
            if (values != null) {
                values.forEach(list::add);
            }
            return list;
        }
    }

    private transient Side rules;
    private transient Side fieldEvents;
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
        rules = side("the sensor rules stage", RULE_PARTS_STATE, RULE_DEADLINES_STATE, LATE_RULE_PARTS_STATE);
        fieldEvents = side("the field event stage", FIELD_EVENT_PARTS_STATE, FIELD_EVENT_DEADLINES_STATE,
                LATE_FIELD_EVENT_PARTS_STATE);
        refusedCommands = getRuntimeContext().getMetricGroup().counter(EvaluateAlarmRules.REFUSED_COMMANDS);
    }

    private Side side(String stage, String partsState, String deadlinesState, String lateState) {
        return new Side(stage,
                getRuntimeContext().getListState(
                        new ListStateDescriptor<>(partsState, TypeInformation.of(CommandResult.class))),
                getRuntimeContext().getListState(new ListStateDescriptor<>(deadlinesState, Types.LONG)),
                getRuntimeContext().getState(new ValueStateDescriptor<>(lateState, Types.INT)));
    }

    @Override
    public void processElement1(CommandResult rulePart, Context ctx, Collector<CommandResult> out) throws Exception {
        arrived(rulePart, rules, fieldEvents, ctx, out);
    }

    @Override
    public void processElement2(CommandResult fieldEventPart, Context ctx, Collector<CommandResult> out)
            throws Exception {
        arrived(fieldEventPart, fieldEvents, rules, ctx, out);
    }

    private void arrived(CommandResult part, Side mine, Side other, Context ctx, Collector<CommandResult> out)
            throws Exception {
        if (mine.takeLate()) {
            LOG.warn("Command {} on {}/{}: {} answered after the command was answered without it; dropped",
                    part.commandId(), part.siteId(), part.sensorId(), mine.stage);
            return;
        }
        CommandResult waiting = other.takeFirst();
        if (waiting == null) {
            long deadline = ctx.timerService().currentProcessingTime() + PART_TIMEOUT.toMillis();
            mine.add(part, deadline);
            ctx.timerService().registerProcessingTimeTimer(deadline);
        } else {
            emit(mine == rules ? merge(part, waiting) : merge(waiting, part), out);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<CommandResult> out) throws Exception {
        for (Side waiting : List.of(rules, fieldEvents)) {
            Side silent = waiting == rules ? fieldEvents : rules;
            for (CommandResult part : waiting.takeExpired(timestamp)) {
                LOG.warn("Command {} {} on {}/{}: {} did not answer within {} s; answered with {}'s part alone",
                        part.commandId(), part.type(), part.siteId(), part.sensorId(), silent.stage,
                        PART_TIMEOUT.toSeconds(), waiting.stage);
                silent.owe();
                emit(part.accepted() ? part : new CommandResult(part.commandId(), false, part.refusal() + "; "
                        + silent.stage + " did not answer", part.siteId(), part.sensorId(), part.type(),
                        part.actor(), part.decidedAtMs()), out);
            }
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
}
