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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the alarm-rules engine for every sensor of a site, keyed by site ({@link SensorInput#siteId}): the readings
 * of a gateway batch and the commands on the site's sensors arrive on one stream, so each sensor's
 * {@link SensorAlarmState}, in the site's keyed {@link MapState} (by sensor id), has exactly one owner; it is
 * checkpointed and restored with the job, and readings replayed after a restart produce the same alarm ids.
 *
 * <p>Why by site and not by sensor: a gateway's batch (typically 10 or more readings, one site) then crosses the
 * keyed exchange as one record. Keyed by sensor, every reading cost a fresh key string, its hash and key group
 * (~16 % of the job's time), its own serialisation (~10 %) and a set-up look-up by a site/sensor string (~11 %);
 * a prototype keyed by site ran 2.0-2.35x faster (docs/benchmarks.md, issue 6). A batch's readings are evaluated
 * in the order the gateway sent them, each with the same engine calls as before.
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
 * <p>Time-driven decisions (a silent sensor, on/off delays, shelve expiry, flapping settling) are due at each
 * sensor's own deadline, the engine's {@link SensorAlarmEngine#nextDeadline}, kept with the sensor as a
 * processing time in its {@link SensorClock}. The site has one processing-time timer, never later than the
 * earliest of its sensors' deadlines; when it fires, exactly the sensors that are due are evaluated, and the
 * next timer is set to the earliest remaining deadline. The engine's clock is the sensor's (event time of its
 * readings); {@link SensorClock} maps it to processing time with the offset seen at the sensor's last reading, so
 * a gateway whose clock is off by minutes neither looks silent nor hides a silence. Processing time rather than
 * event time because a silent sensor sends no readings and so would never advance a watermark. Watermarks only
 * tell late readings (behind the watermark): they are still evaluated (the engine ignores only readings older
 * than the sensor's newest) and counted per reading ({@link #LATE_READINGS}).
 */
public class EvaluateAlarmRules extends KeyedBroadcastProcessFunction<String, SensorInput, RegistryEntry, RoutedAlarm> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateAlarmRules.class);

    /**
     * Names of the keyed state in checkpoints and savepoints: renaming them loses every sensor's state. Keyed by
     * site since the batch keying (issue 6); the state of the per-sensor version ("sensor-rule-state", keyed by
     * site/sensor, uid "evaluate-alarm-rules") does not restore into this one: the sensors start from scratch.
     */
    static final String STATE_NAME = "site-sensor-rule-state";
    /** The processing time of the site's one registered timer; absent when none is. */
    static final String TIMER_STATE_NAME = "site-rules-timer";

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

    /** Per site (the key): sensor id -> the sensor's engine state and clock (with its deadline). */
    private transient MapState<String, SensorRuleState> sensors;
    private transient ValueState<Long> siteTimer;
    private transient AlarmEmitter emitter;
    private transient Counter lateReadings;
    private transient Counter refusedCommands;
    private transient Counter refusedRegistryRecords;
    private transient String loggedRulesVersion;
    /**
     * Per site, per sensor id: its engine and zones, for the rules and registry they were looked up in. Looking
     * them up in the rules by site and sensor id builds two strings and hashes them on every reading. Cleared
     * when the registry stream replaces the rules or the registry.
     */
    private transient Map<String, Map<String, SensorSetup>> setups;
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
        sensors = getRuntimeContext().getMapState(new MapStateDescriptor<>(STATE_NAME, Types.STRING,
                TypeInformation.of(SensorRuleState.class)));
        siteTimer = getRuntimeContext().getState(new ValueStateDescriptor<>(TIMER_STATE_NAME, Types.LONG));
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
        if (input.readings() != null) {
            onBatch(input, rules, registry, ctx, out);
        } else if (input.command() != null) {
            onCommand(input.commandId(), input.command(), rules, registry, ctx, out);
        }
    }

    private void onBatch(SensorInput batch, RuleSet rules, SiteRegistry registry, ReadOnlyContext ctx,
            Collector<RoutedAlarm> out) throws Exception {
        Map<String, SensorSetup> siteSetups = setupsOf(batch.siteId(), rules, registry);
        long watermark = ctx.currentWatermark();
        long now = ctx.timerService().currentProcessingTime();
        long earliestDue = SensorClock.NO_TIMER;
        List<SensorReading> readings = batch.readings();
        for (int i = 0, n = readings.size(); i < n; i++) {
            SensorReading reading = readings.get(i);
            if (reading.timestampMs() < watermark) {
                lateReadings.inc();
            }
            SensorSetup setup = setupOf(siteSetups, reading.siteId(), reading.sensorId(), rules, registry);
            SensorAlarmEngine engine = setup.engine();
            if (engine.isEmpty()) {
                continue;
            }
            SensorRuleState stored = sensors.get(reading.sensorId());
            SensorAlarmState current = stored == null ? null : stored.alarms();
            RuleOutcome<SensorAlarmState> outcome = engine.onReading(current, reading);
            SensorAlarmState next = outcome.state();
            if (next == current) {
                continue; // an out-of-order reading: the engine ignored it
            }
            emitter.emit(outcome.transitions(), registry, out);
            voteInZones(engine, current, next, reading.timestampMs(), setup.zones(), ctx);
            // Written every time: the reading time (silence), the clock and the sample window change with every
            // reading; so does the deadline, kept exact per sensor (the site timer may be earlier, see below).
            SensorClock c = SensorClock.forReading(reading.timestampMs(), now, engine.nextDeadline(next));
            sensors.put(reading.sensorId(), new SensorRuleState(next, c));
            earliestDue = earlier(earliestDue, c.timerAtMs());
        }
        keepSiteTimerNoLaterThan(earliestDue, ctx.timerService());
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
        SensorRuleState stored = sensors.get(command.sensorId());
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
        c = c.withDeadline(engine.nextDeadline(outcome.state()));
        sensors.put(command.sensorId(), new SensorRuleState(outcome.state(), c));
        keepSiteTimerNoLaterThan(c.timerAtMs(), ctx.timerService());
    }

    /**
     * The site's timer: evaluates each sensor whose deadline has come, at the timer's time on the sensor's clock,
     * and sets the next timer to the earliest deadline left. The sensors are found by scanning the site's map
     * rather than through an index by deadline: a deadline moves with nearly every reading (the silence deadline
     * is the last reading plus the silence time), so an index would be rewritten per reading, whereas the site
     * timer fires about once per silence time (or on-delay, shelve expiry) of a site and a scan then visits each
     * sensor once, a small fraction of the readings the site sent meanwhile.
     */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RoutedAlarm> out) throws Exception {
        siteTimer.clear();
        List<Map.Entry<String, SensorRuleState>> due = new ArrayList<>();
        long next = SensorClock.NO_TIMER;
        for (Map.Entry<String, SensorRuleState> e : sensors.entries()) {
            SensorRuleState s = e.getValue();
            long at = s.clock().timerAtMs();
            if (at == SensorClock.NO_TIMER) {
                continue;
            }
            if (at <= timestamp && s.alarms() != null) {
                due.add(Map.entry(e.getKey(), s)); // updated after the scan: no writes while iterating the state
            } else {
                next = earlier(next, at);
            }
        }
        if (!due.isEmpty()) {
            ReadOnlyBroadcastState<String, byte[]> registryState = ctx.getBroadcastState(RegistryView.STATE);
            RuleSet rules = view.rules(registryState);
            SiteRegistry registry = view.registry(registryState);
            Map<String, SensorSetup> siteSetups = setupsOf(ctx.getCurrentKey(), rules, registry);
            for (Map.Entry<String, SensorRuleState> e : due) {
                SensorAlarmState current = e.getValue().alarms();
                SensorClock c = e.getValue().clock();
                SensorSetup setup = setupOf(siteSetups, current.siteId(), current.sensorId(), rules, registry);
                SensorAlarmEngine engine = setup.engine();
                long now = c.sensorTimeAt(timestamp);
                RuleOutcome<SensorAlarmState> outcome = engine.evaluateAt(current, now);
                emitter.emit(outcome.transitions(), registry, out);
                voteInZones(engine, current, outcome.state(), now, setup.zones(), ctx);
                c = c.withDeadline(engine.nextDeadline(outcome.state()));
                sensors.put(e.getKey(), new SensorRuleState(outcome.state(), c));
                next = earlier(next, c.timerAtMs());
            }
        }
        keepSiteTimerNoLaterThan(next, ctx.timerService());
    }

    @Override
    public void processBroadcastElement(RegistryEntry entry, Context ctx, Collector<RoutedAlarm> out)
            throws Exception {
        if (view.apply(entry, ctx.getBroadcastState(RegistryView.STATE)) != null) {
            refusedRegistryRecords.inc();
        }
    }

    /** The site's set-up cache, emptied first if the rules or the registry changed. */
    private Map<String, SensorSetup> setupsOf(String siteId, RuleSet rules, SiteRegistry registry) {
        if (rules != setupRules || registry != setupRegistry) {
            setups.clear();
            setupRules = rules;
            setupRegistry = registry;
        }
        Map<String, SensorSetup> siteSetups = setups.get(siteId);
        if (siteSetups == null) {
            siteSetups = new HashMap<>();
            setups.put(siteId, siteSetups);
        }
        return siteSetups;
    }

    private static SensorSetup setupOf(Map<String, SensorSetup> siteSetups, String siteId, String sensorId,
            RuleSet rules, SiteRegistry registry) {
        SensorSetup setup = siteSetups.get(sensorId);
        if (setup == null) {
            setup = new SensorSetup(rules.engineFor(siteId, sensorId), registry.zonesOf(siteId, sensorId));
            siteSetups.put(sensorId, setup);
        }
        return setup;
    }

    private static long earlier(long a, long b) {
        if (a == SensorClock.NO_TIMER) {
            return b;
        }
        return b == SensorClock.NO_TIMER ? a : Math.min(a, b);
    }

    /**
     * Keeps at most one timer per site, never later than the earliest deadline of its sensors. A timer that is
     * earlier than needed is kept (it fires, finds no sensor due, and the next timer is set): a site whose sensors
     * report every second would otherwise delete and register its timer on every batch, which costs more than
     * the rules themselves. Only an earlier deadline replaces the timer.
     */
    private void keepSiteTimerNoLaterThan(long due, TimerService timers) throws Exception {
        if (due == SensorClock.NO_TIMER) {
            return;
        }
        Long at = siteTimer.value();
        if (at == null || due < at) {
            if (at != null) {
                timers.deleteProcessingTimeTimer(at);
            }
            timers.registerProcessingTimeTimer(due);
            siteTimer.update(due);
        }
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
