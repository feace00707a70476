package io.tocsin.jobs.alarms;

import io.tocsin.jobs.commands.CommandResult;
import io.tocsin.jobs.commands.MergeSensorWideResults;
import io.tocsin.jobs.escalation.EscalationPolicy;
import io.tocsin.jobs.registry.RegistryEntry;
import io.tocsin.jobs.registry.RegistryFileText;
import io.tocsin.jobs.registry.RegistryView;
import io.tocsin.jobs.registry.SiteRegistry;
import io.tocsin.jobs.registry.ZoneEntry;
import io.tocsin.jobs.routing.AlarmEmitter;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.jobs.routing.StationRouting;
import io.tocsin.jobs.zones.ZoneInput;
import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmRule;
import io.tocsin.rules.RuleOutcome;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.config.RuleSet;
import io.tocsin.rules.engine.CommandOutcome;
import io.tocsin.rules.engine.SensorAlarmEngine;
import io.tocsin.rules.engine.SensorAlarmState;
import io.tocsin.rules.lifecycle.AlarmCommand;
import io.tocsin.rules.lifecycle.AlarmSlot;
import io.tocsin.rules.voting.MemberState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the alarm-rules engine per sensor (keyed by {@link SiteSensorKey}): readings and commands of a sensor
 * arrive on one stream, so its {@link SensorAlarmState}, in Flink keyed state, has exactly one owner; it is
 * checkpointed and restored with the job, and readings replayed after a restart produce the same alarm ids.
 *
 * <p>Outputs:
 * <ul>
 *   <li>every transition, routed to the stations covering the site ({@link StationRouting});</li>
 *   <li>{@link #COMMAND_RESULTS}: every command's result, a refusal with its reason; for a sensor-wide suppress
 *       or unsuppress, which the field event stage answers too, a part on {@link MergeSensorWideResults#PARTS};</li>
 *   <li>{@link #ZONE_INPUTS}: a member's new vote whenever the sensor is in a zone and its state (alarm, fault,
 *       normal) changed, and commands on zone alarms, for the zone stage.</li>
 * </ul>
 * The rules and the site registry come from {@link RegistryView}: the files given at start-up, replaced by what
 * arrives on the broadcast registry stream.
 *
 * <p>Time-driven decisions (a silent sensor, on/off delays, shelve expiry, flapping settling) run on one
 * processing-time timer per sensor, set to the engine's {@link SensorAlarmEngine#nextDeadline}. The engine's
 * clock is the sensor's (event time of its readings); {@link SensorClock} maps it to processing time with the
 * offset seen at the last reading, so a gateway whose clock is off by minutes neither looks silent nor hides
 * a silence. Processing time rather than event time because a silent sensor sends no readings and so would
 * never advance a watermark. Watermarks only tell late readings (behind the watermark): they are still
 * evaluated (the engine ignores only readings older than the sensor's newest) and counted ({@link #LATE_READINGS}).
 */
public class EvaluateAlarmRules extends KeyedBroadcastProcessFunction<String, SensorInput, RegistryEntry, RoutedAlarm> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateAlarmRules.class);

    /**
     * Name of the keyed state in checkpoints and savepoints: renaming it loses every sensor's state. Before
     * release the engine state and the clock were two states ("sensor-alarm-state", "sensor-clock"); a
     * checkpoint of that version does not restore into this one (the sensors start from scratch).
     */
    static final String STATE_NAME = "sensor-rule-state";

    public static final OutputTag<CommandResult> COMMAND_RESULTS =
            new OutputTag<>("command-results", TypeInformation.of(CommandResult.class));
    public static final OutputTag<ZoneInput> ZONE_INPUTS =
            new OutputTag<>("zone-inputs", TypeInformation.of(ZoneInput.class));

    /** Counter: alarm transitions emitted. */
    public static final String TRANSITIONS = "alarmTransitions";
    /** Counter: readings behind the watermark (still evaluated). */
    public static final String LATE_READINGS = "lateReadings";
    /** Counter: commands refused (each also has a result with the reason). */
    public static final String REFUSED_COMMANDS = "alarmCommandsRefused";
    /** Counter: registry records refused (bad rules or site; the previous content stays). */
    public static final String REFUSED_REGISTRY_RECORDS = "registryRecordsRefused";

    private final RegistryView view;
    private final String controlRoomId;

    private transient ValueState<SensorRuleState> state;
    private transient AlarmEmitter emitter;
    private transient Counter lateReadings;
    private transient Counter refusedCommands;
    private transient Counter refusedRegistryRecords;
    private transient String loggedRulesVersion;
    /**
     * Per sensor key: its engine and zones, for the rules and registry they were looked up in. Looking them up
     * by site and sensor id builds two strings and hashes them on every reading; the key is already built and
     * hashed by Flink. Cleared when the registry stream replaces the rules or the registry.
     */
    private transient Map<String, SensorSetup> setups;
    private transient RuleSet setupRules;
    private transient SiteRegistry setupRegistry;

    /** What a sensor's readings need besides its state; immutable for one rule set and one registry. */
    private record SensorSetup(SensorAlarmEngine engine, List<ZoneEntry> zones) {
    }

    /** Rules only: no site registry (every alarm to the control room), default escalation policy. */
    public EvaluateAlarmRules(RuleFileText rules) {
        this(rules, RegistryFileText.empty(), EscalationPolicy.DEFAULT.controlRoomId());
    }

    public EvaluateAlarmRules(RuleFileText rules, RegistryFileText registry, String controlRoomId) {
        this.view = new RegistryView(rules, registry);
        this.controlRoomId = Objects.requireNonNull(controlRoomId, "controlRoomId");
    }

    @Override
    public void open(OpenContext openContext) {
        // TypeInformation.of(record) gives Flink's POJO serializer (records are supported since Flink 1.19);
        // tests assert it is not a Kryo generic type.
        state = getRuntimeContext().getState(
                new ValueStateDescriptor<>(STATE_NAME, TypeInformation.of(SensorRuleState.class)));
        var metrics = getRuntimeContext().getMetricGroup();
        emitter = new AlarmEmitter(LOG, "Alarm", controlRoomId, metrics.counter(TRANSITIONS));
        lateReadings = metrics.counter(LATE_READINGS);
        refusedCommands = metrics.counter(REFUSED_COMMANDS);
        refusedRegistryRecords = metrics.counter(REFUSED_REGISTRY_RECORDS);
        setups = new HashMap<>();
    }

    @Override
    public void processElement(SensorInput input, ReadOnlyContext ctx, Collector<RoutedAlarm> out) throws Exception {
        RuleSet rules = view.builtRules();
        SiteRegistry registry = view.builtRegistry();
        if (rules == null || registry == null) {
            ReadOnlyBroadcastState<String, byte[]> registryState = ctx.getBroadcastState(RegistryView.STATE);
            rules = view.rules(registryState);
            registry = view.registry(registryState);
        }
        if (!rules.version().equals(loggedRulesVersion)) {
            loggedRulesVersion = rules.version();
            LOG.info("Evaluating alarm rules {} version {}", rules.source(), rules.version());
        }
        if (input.reading() != null) {
            onReading(input.reading(), rules, registry, ctx, out);
        } else {
            onCommand(input.commandId(), input.command(), rules, registry, ctx, out);
        }
    }

    private void onReading(SensorReading reading, RuleSet rules, SiteRegistry registry, ReadOnlyContext ctx,
            Collector<RoutedAlarm> out) throws Exception {
        if (ctx.timestamp() != null && ctx.timestamp() < ctx.currentWatermark()) {
            lateReadings.inc();
        }
        SensorSetup setup = setupOf(ctx.getCurrentKey(), reading, rules, registry);
        SensorAlarmEngine engine = setup.engine();
        if (engine.isEmpty()) {
            return;
        }
        SensorRuleState stored = state.value();
        SensorAlarmState current = stored == null ? null : stored.alarms();
        RuleOutcome<SensorAlarmState> outcome = engine.onReading(current, reading);
        SensorAlarmState next = outcome.state();
        if (next == current) {
            return; // an out-of-order reading: the engine ignored it
        }
        emitter.emit(outcome.transitions(), registry, out);
        voteInZones(engine, current, next, reading.timestampMs(), setup.zones(), ctx);
        long now = ctx.timerService().currentProcessingTime();
        SensorClock c = new SensorClock(reading.timestampMs(), now,
                stored == null ? SensorClock.NO_TIMER : stored.clock().timerAtMs());
        // Written every time: the reading time (silence), the clock and the sample window change with every reading.
        state.update(new SensorRuleState(next, reschedule(engine, next, c, ctx.timerService())));
    }

    private void onCommand(String commandId, AlarmCommand command, RuleSet rules, SiteRegistry registry,
            ReadOnlyContext ctx, Collector<RoutedAlarm> out) throws Exception {
        ZoneEntry zone = registry.zone(command.siteId(), command.sensorId());
        if (zone != null) {
            ctx.output(ZONE_INPUTS, ZoneInput.command(zone.zoneId(), commandId, command));
            return;
        }
        long now = ctx.timerService().currentProcessingTime();
        SensorAlarmEngine engine = rules.engineFor(command.siteId(), command.sensorId());
        SensorRuleState stored = state.value();
        CommandOutcome outcome = engine.isEmpty()
                ? new CommandOutcome(false, "unknown alarm: " + command.siteId() + "/" + command.sensorId()
                        + " is neither a sensor with alarm rules nor a zone", null, List.of())
                : engine.onCommand(stored == null ? null : stored.alarms(), command);
        if (!outcome.accepted()) {
            if (MergeSensorWideResults.isSensorWide(command)) {
                // Only a part: the merged result is accepted if the field event stage accepted its part.
                LOG.info("Command {} {} by '{}' on {}/{}: no change to the sensor's rules ({})", commandId,
                        command.type(), command.actor(), command.siteId(), command.sensorId(), outcome.refusal());
            } else {
                refusedCommands.inc();
                LOG.warn("Command {} {} by '{}' on {}/{} refused: {}", commandId, command.type(), command.actor(),
                        command.siteId(), command.sensorId(), outcome.refusal());
            }
            ctx.output(MergeSensorWideResults.resultTag(command),
                    CommandResult.refused(commandId, command, outcome.refusal(), now));
            return;
        }
        emitter.emit(outcome.transitions(), registry, out);
        ctx.output(MergeSensorWideResults.resultTag(command), CommandResult.accepted(commandId, command, now));
        SensorClock c = stored == null // a command on a sensor never heard of (suppressed before commissioning)
                ? new SensorClock(command.atMs(), now, SensorClock.NO_TIMER)
                : stored.clock();
        state.update(new SensorRuleState(outcome.state(), reschedule(engine, outcome.state(), c,
                ctx.timerService())));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RoutedAlarm> out) throws Exception {
        SensorRuleState stored = state.value();
        if (stored == null || stored.alarms() == null) {
            return;
        }
        SensorAlarmState current = stored.alarms();
        SensorClock c = stored.clock();
        ReadOnlyBroadcastState<String, byte[]> registryState = ctx.getBroadcastState(RegistryView.STATE);
        SensorAlarmEngine engine = view.rules(registryState).engineFor(current.siteId(), current.sensorId());
        SiteRegistry registry = view.registry(registryState);
        long now = c.sensorTimeAt(timestamp);
        RuleOutcome<SensorAlarmState> outcome = engine.evaluateAt(current, now);
        emitter.emit(outcome.transitions(), registry, out);
        voteInZones(engine, current, outcome.state(), now,
                registry.zonesOf(current.siteId(), current.sensorId()), ctx);
        state.update(new SensorRuleState(outcome.state(), reschedule(engine, outcome.state(),
                c.withTimer(SensorClock.NO_TIMER), ctx.timerService())));
    }

    @Override
    public void processBroadcastElement(RegistryEntry entry, Context ctx, Collector<RoutedAlarm> out)
            throws Exception {
        if (view.apply(entry, ctx.getBroadcastState(RegistryView.STATE)) != null) {
            refusedRegistryRecords.inc();
        }
    }

    private SensorSetup setupOf(String key, SensorReading reading, RuleSet rules, SiteRegistry registry) {
        if (rules != setupRules || registry != setupRegistry) {
            setups.clear();
            setupRules = rules;
            setupRegistry = registry;
        }
        SensorSetup setup = setups.get(key);
        if (setup == null) {
            setup = new SensorSetup(rules.engineFor(reading.siteId(), reading.sensorId()),
                    registry.zonesOf(reading.siteId(), reading.sensorId()));
            setups.put(key, setup);
        }
        return setup;
    }

    /**
     * Keeps at most one timer per sensor, never later than the engine's next deadline. A timer that is earlier
     * than needed is kept (it fires, {@link SensorAlarmEngine#evaluateAt} finds nothing due, and the timer is set
     * again): a sensor that reports every second would otherwise delete and register its silence timer on every
     * reading, which costs more than the rules themselves.
     *
     * @return {@code c} with the timer now registered, for the caller to store
     */
    SensorClock reschedule(SensorAlarmEngine engine, SensorAlarmState s, SensorClock c, TimerService timers)
            throws Exception {
        long deadline = engine.nextDeadline(s);
        long due = deadline == Long.MAX_VALUE ? SensorClock.NO_TIMER : c.processingTimeOf(deadline);
        long at = c.timerAtMs();
        if (due != SensorClock.NO_TIMER && (at == SensorClock.NO_TIMER || due < at)) {
            if (at != SensorClock.NO_TIMER) {
                timers.deleteProcessingTimeTimer(at);
            }
            timers.registerProcessingTimeTimer(due);
            at = due;
        }
        return at == c.timerAtMs() ? c : c.withTimer(at);
    }

    /** Tells the sensor's zones when its vote changed (a sensor seen for the first time votes too). */
    private void voteInZones(SensorAlarmEngine engine, SensorAlarmState before, SensorAlarmState after, long t,
            List<ZoneEntry> zones, ReadOnlyContext ctx) {
        if (zones.isEmpty()) {
            return;
        }
        MemberState vote = memberState(engine, after);
        if (before != null && memberState(engine, before) == vote) {
            return;
        }
        for (ZoneEntry zone : zones) {
            ctx.output(ZONE_INPUTS, ZoneInput.member(after.siteId(), zone.zoneId(), after.sensorId(), vote, t));
        }
    }

    /**
     * A sensor's vote: ALARM while the condition of one of its process rules holds (after delays, whether or not
     * it is shelved: the gas is there), else FAULT while one of its fault rules holds (bad, out of span, silent),
     * else NORMAL.
     */
    static MemberState memberState(SensorAlarmEngine engine, SensorAlarmState s) {
        boolean fault = false;
        for (AlarmRule rule : engine.rules()) {
            AlarmSlot slot = s.slot(rule.ruleId());
            if (slot != null && slot.condition()) {
                if (rule.kind() == AlarmKind.PROCESS) {
                    return MemberState.ALARM;
                }
                fault = true;
            }
        }
        return fault ? MemberState.FAULT : MemberState.NORMAL;
    }
}
