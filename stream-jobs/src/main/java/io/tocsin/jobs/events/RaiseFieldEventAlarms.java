package io.tocsin.jobs.events;

import io.tocsin.jobs.alarms.EvaluateAlarmRules;
import io.tocsin.jobs.alarms.RuleFileText;
import io.tocsin.jobs.alarms.SensorClock;
import io.tocsin.jobs.commands.CommandResult;
import io.tocsin.jobs.registry.RegistryEntry;
import io.tocsin.jobs.registry.RegistryFileText;
import io.tocsin.jobs.registry.RegistryView;
import io.tocsin.jobs.registry.SiteRegistry;
import io.tocsin.jobs.routing.AlarmEmitter;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.jobs.routing.StationRouting;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.RuleOutcome;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.config.RuleSet;
import io.tocsin.rules.engine.CommandOutcome;
import io.tocsin.rules.engine.SensorAlarmState;
import io.tocsin.rules.events.FieldEvent;
import io.tocsin.rules.events.FieldEventAlarms;
import io.tocsin.rules.events.FieldEventRule;
import io.tocsin.rules.lifecycle.AlarmCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The field event stage, keyed by site: field events (fire panel points, device faults, Modbus devices going
 * offline) raise alarms by default, without any rule in the rule file. What each event does is alarm-rules'
 * {@link FieldEventAlarms} (FIRE: RED process alarm {@code site/point/event-fire/n}; FAULT and OFFLINE: YELLOW
 * faults; ONLINE clears OFFLINE; RESET clears the fires and faults reported through the same device; ALARM, a
 * gateway's local rule, is counted and logged only). Decisions and lifecycle are alarm-rules' engine, so
 * acknowledge, shelve, unshelve and suppress from the commands topic (rule id {@code event-*}) apply as to every
 * alarm; alarms are routed to the site's stations ({@link StationRouting}) and escalated like any other.
 *
 * <p>Keyed by site rather than by point because a RESET comes from the panel (its own sensor id), not from the
 * points it clears. Field events are rare, so a site's events on one task are no load. An event of a kind this job
 * does not know is counted ({@link #UNKNOWN_KINDS}) and logged, never fatal. Timers (a shelve expiring) run on
 * processing time mapped from the site's last event time with {@link SensorClock}, as in the other stages.
 */
public class RaiseFieldEventAlarms extends KeyedBroadcastProcessFunction<String, FieldEventInput, RegistryEntry,
        RoutedAlarm> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RaiseFieldEventAlarms.class);

    /** Names of the keyed states in checkpoints and savepoints: never rename. */
    static final String STATE_NAME = "field-event-alarm-state";
    static final String CLOCK_STATE_NAME = "field-event-clock";

    /** Counter: field event alarm transitions emitted. */
    public static final String TRANSITIONS = "fieldEventTransitions";
    /** Counter: event readings of a kind this job does not know (dropped). */
    public static final String UNKNOWN_KINDS = "fieldEventsUnknownKind";
    /** Counter: ALARM events, a gateway's local rule: no alarm of their own (the platform's rules decide). */
    public static final String LOCAL_ALARMS = "fieldEventsLocalAlarm";
    /**
     * Counter: ALARM events about a sensor for which the platform's rule file has no rule at all: the gateway's
     * local rule is then the only one watching it. Logged at WARN; the fix is a rule in the rule file.
     */
    public static final String LOCAL_ALARMS_WITHOUT_RULE = "fieldEventsLocalAlarmWithoutPlatformRule";
    /** Counter: panel resets. */
    public static final String RESETS = "fieldEventResets";

    private final RegistryView view;
    private final String controlRoomId;

    /** Per point and rule: {@code ruleId/sensorId} (rule ids have no '/') -> that alarm's engine state. */
    private transient MapState<String, SensorAlarmState> states;
    private transient ValueState<SensorClock> clock;
    private transient Counter transitions;
    private transient AlarmEmitter emitter;
    private transient Counter unknownKinds;
    private transient Counter localAlarms;
    private transient Counter localAlarmsWithoutRule;
    private transient Counter resets;
    private transient Counter refusedCommands;

    public RaiseFieldEventAlarms(RuleFileText rules, RegistryFileText registry, String controlRoomId) {
        this.view = new RegistryView(rules, registry);
        this.controlRoomId = Objects.requireNonNull(controlRoomId, "controlRoomId");
    }

    @Override
    public void open(OpenContext openContext) {
        states = getRuntimeContext().getMapState(new MapStateDescriptor<>(STATE_NAME, Types.STRING,
                TypeInformation.of(SensorAlarmState.class)));
        clock = getRuntimeContext().getState(
                new ValueStateDescriptor<>(CLOCK_STATE_NAME, TypeInformation.of(SensorClock.class)));
        var metrics = getRuntimeContext().getMetricGroup();
        transitions = metrics.counter(TRANSITIONS);
        emitter = new AlarmEmitter(LOG, "Field event alarm", controlRoomId, transitions);
        unknownKinds = metrics.counter(UNKNOWN_KINDS);
        localAlarms = metrics.counter(LOCAL_ALARMS);
        localAlarmsWithoutRule = metrics.counter(LOCAL_ALARMS_WITHOUT_RULE);
        resets = metrics.counter(RESETS);
        refusedCommands = metrics.counter(EvaluateAlarmRules.REFUSED_COMMANDS);
    }

    /** For the operator tests: the metric of that name ({@link #UNKNOWN_KINDS}, {@link #LOCAL_ALARMS} ...). */
    long count(String metric) {
        return switch (metric) {
            case TRANSITIONS -> transitions.getCount();
            case UNKNOWN_KINDS -> unknownKinds.getCount();
            case LOCAL_ALARMS -> localAlarms.getCount();
            case LOCAL_ALARMS_WITHOUT_RULE -> localAlarmsWithoutRule.getCount();
            case RESETS -> resets.getCount();
            default -> throw new IllegalArgumentException(metric);
        };
    }

    /** The sensor of a local alarm event's id {@code sensor/rule/activation} (sensor ids may contain '/'). */
    static String localAlarmSensor(String eventSensorId) {
        int last = eventSensorId.lastIndexOf('/');
        int rule = last <= 0 ? -1 : eventSensorId.lastIndexOf('/', last - 1);
        return rule <= 0 ? eventSensorId : eventSensorId.substring(0, rule);
    }

    static String stateKey(FieldEventRule rule, String sensorId) {
        return rule.ruleId() + "/" + sensorId;
    }

    /** The site's field event alarms under the rule file's version and the site's shelving policy. */
    private static FieldEventAlarms alarmsFor(RuleSet rules, String siteId) {
        return new FieldEventAlarms(rules.version(), rules.policyOf(siteId));
    }

    @Override
    public void processElement(FieldEventInput input, ReadOnlyContext ctx, Collector<RoutedAlarm> out)
            throws Exception {
        ReadOnlyBroadcastState<String, byte[]> registryState = ctx.getBroadcastState(RegistryView.STATE);
        RuleSet rules = view.rules(registryState);
        SiteRegistry registry = view.registry(registryState);
        FieldEventAlarms alarms = alarmsFor(rules, input.key());
        if (input.reading() != null) {
            onEvent(input.reading(), input.unit(), rules, alarms, registry, ctx, out);
        } else {
            onCommand(input.commandId(), input.command(), alarms, registry, ctx, out);
        }
    }

    private void onEvent(SensorReading r, String unit, RuleSet rules, FieldEventAlarms alarms,
            SiteRegistry registry, ReadOnlyContext ctx, Collector<RoutedAlarm> out) throws Exception {
        Optional<FieldEvent> kind = FieldEvent.ofUnit(unit);
        if (kind.isEmpty()) {
            unknownKinds.inc();
            LOG.warn("Ignored event '{}' = {} of {}/{} via device '{}' at {}: unknown event kind (known: {})", unit,
                    r.value(), r.siteId(), r.sensorId(), r.deviceId(), r.timestampMs(),
                    java.util.Arrays.toString(FieldEvent.values()));
            return;
        }
        switch (kind.get()) {
            case ALARM -> {
                // The platform's rules evaluate the readings the gateway forwards; see FieldEventAlarms.
                localAlarms.inc();
                String sensor = localAlarmSensor(r.sensorId());
                if (rules.engineFor(r.siteId(), sensor).isEmpty()) {
                    localAlarmsWithoutRule.inc();
                    LOG.warn("Gateway-local alarm {} = {} of site {} via device '{}' at {}: the rule file has no rule"
                            + " for sensor {}, so no station is alerted by the platform; add a rule for it",
                            r.sensorId(), r.value(), r.siteId(), r.deviceId(), r.timestampMs(), sensor);
                } else {
                    LOG.info("Gateway-local alarm {} = {} of site {} via device '{}' at {}: no alarm of its own",
                            r.sensorId(), r.value(), r.siteId(), r.deviceId(), r.timestampMs());
                }
                return;
            }
            case RESET -> reset(r, alarms, registry, out);
            default -> {
                FieldEventAlarms.Effect effect = FieldEventAlarms.effectOf(kind.get(), r.value());
                String key = stateKey(effect.rule(), r.sensorId());
                SensorAlarmState current = states.get(key);
                RuleOutcome<SensorAlarmState> outcome = alarms.onEvent(current, effect, r);
                if (outcome.state() != current) {
                    states.put(key, outcome.state());
                }
                emitter.emit(outcome.transitions(), registry, out);
            }
        }
        SensorClock previous = clock.value();
        SensorClock c = new SensorClock(r.timestampMs(), ctx.timerService().currentProcessingTime(),
                previous == null ? SensorClock.NO_TIMER : previous.timerAtMs());
        reschedule(alarms, c, ctx.timerService());
    }

    /**
     * Clears the active FIRE and FAULT conditions of the points reported through the reset's device (the gateway
     * the panel is attached to). Points of other gateways of the site belong to other panels.
     */
    private void reset(SensorReading r, FieldEventAlarms alarms, SiteRegistry registry, Collector<RoutedAlarm> out)
            throws Exception {
        resets.inc();
        List<Map.Entry<String, SensorAlarmState>> changed = new ArrayList<>();
        List<AlarmTransition> ts = new ArrayList<>();
        for (Map.Entry<String, SensorAlarmState> e : states.entries()) {
            SensorAlarmState s = e.getValue();
            FieldEventRule rule = FieldEventAlarms.ruleOf(s.slots()[0].ruleId());
            if (rule == null || !FieldEventAlarms.clearedByReset(rule) || !s.slots()[0].condition()
                    || !s.deviceId().equals(r.deviceId())) {
                continue;
            }
            RuleOutcome<SensorAlarmState> outcome = alarms.reset(rule, s, r.timestampMs());
            changed.add(Map.entry(e.getKey(), outcome.state()));
            ts.addAll(outcome.transitions());
        }
        for (Map.Entry<String, SensorAlarmState> e : changed) {
            states.put(e.getKey(), e.getValue());
        }
        LOG.info("Reset '{}' of site {} via device '{}' at {}: cleared {} fire/fault point(s)", r.sensorId(),
                r.siteId(), r.deviceId(), r.timestampMs(), changed.size());
        emitter.emit(ts, registry, out);
    }

    private void onCommand(String commandId, AlarmCommand command, FieldEventAlarms alarms, SiteRegistry registry,
            ReadOnlyContext ctx, Collector<RoutedAlarm> out) throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        FieldEventRule rule = FieldEventAlarms.ruleOf(command.ruleId());
        String key = rule == null ? null : stateKey(rule, command.sensorId());
        CommandOutcome outcome = rule == null
                ? new CommandOutcome(false, "unknown alarm: no field event rule " + command.ruleId() + " (known: "
                        + FieldEventAlarms.RULES.stream().map(FieldEventRule::ruleId).toList() + ")", null, List.of())
                : alarms.onCommand(rule, states.get(key), command);
        if (!outcome.accepted()) {
            refusedCommands.inc();
            LOG.warn("Command {} {} by '{}' on field event alarm {}/{} {} refused: {}", commandId, command.type(),
                    command.actor(), command.siteId(), command.sensorId(), command.ruleId(), outcome.refusal());
            ctx.output(EvaluateAlarmRules.COMMAND_RESULTS, CommandResult.refused(commandId, command,
                    outcome.refusal(), now));
            return;
        }
        states.put(key, outcome.state());
        emitter.emit(outcome.transitions(), registry, out);
        ctx.output(EvaluateAlarmRules.COMMAND_RESULTS, CommandResult.accepted(commandId, command, now));
        SensorClock c = clock.value();
        if (c == null) { // shelved or suppressed before the site sent any event
            c = new SensorClock(command.atMs(), now, SensorClock.NO_TIMER);
        }
        reschedule(alarms, c, ctx.timerService());
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RoutedAlarm> out) throws Exception {
        SensorClock c = clock.value();
        if (c == null) {
            return;
        }
        ReadOnlyBroadcastState<String, byte[]> registryState = ctx.getBroadcastState(RegistryView.STATE);
        FieldEventAlarms alarms = alarmsFor(view.rules(registryState), ctx.getCurrentKey());
        long now = c.sensorTimeAt(timestamp);
        List<Map.Entry<String, SensorAlarmState>> changed = new ArrayList<>();
        List<AlarmTransition> ts = new ArrayList<>();
        for (Map.Entry<String, SensorAlarmState> e : states.entries()) {
            SensorAlarmState s = e.getValue();
            FieldEventRule rule = FieldEventAlarms.ruleOf(s.slots()[0].ruleId());
            if (rule == null) {
                continue;
            }
            RuleOutcome<SensorAlarmState> outcome = alarms.evaluateAt(rule, s, now);
            if (outcome.state() != s) {
                changed.add(Map.entry(e.getKey(), outcome.state()));
                ts.addAll(outcome.transitions());
            }
        }
        for (Map.Entry<String, SensorAlarmState> e : changed) {
            states.put(e.getKey(), e.getValue());
        }
        emitter.emit(ts, view.registry(registryState), out);
        SensorClock cleared = timestamp == c.timerAtMs() ? c.withTimer(SensorClock.NO_TIMER) : c;
        reschedule(alarms, cleared, ctx.timerService());
    }

    @Override
    public void processBroadcastElement(RegistryEntry entry, Context ctx, Collector<RoutedAlarm> out)
            throws Exception {
        view.apply(entry, ctx.getBroadcastState(RegistryView.STATE)); // refusals are counted by the sensor stage
    }

    /** One timer per site, at the earliest deadline of its alarms (only shelves expire: no delays, no flapping). */
    private void reschedule(FieldEventAlarms alarms, SensorClock c, TimerService timers) throws Exception {
        long deadline = Long.MAX_VALUE;
        for (SensorAlarmState s : states.values()) {
            FieldEventRule rule = FieldEventAlarms.ruleOf(s.slots()[0].ruleId());
            if (rule != null) {
                deadline = Math.min(deadline, alarms.nextDeadline(rule, s));
            }
        }
        clock.update(c.withOnlyTimerAt(deadline, timers));
    }
}
