package io.tocsin.jobs.events;

import io.tocsin.jobs.alarms.EvaluateAlarmRules;
import io.tocsin.jobs.alarms.RuleFileText;
import io.tocsin.jobs.alarms.SensorClock;
import io.tocsin.jobs.commands.CommandResult;
import io.tocsin.jobs.commands.MergeSensorWideResults;
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
import io.tocsin.rules.lifecycle.AlarmSlot;
import java.time.Duration;
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
 * alarm; alarms are routed to the site's stations ({@link StationRouting}) and escalated like any other. A
 * sensor-wide suppress or unsuppress (no rule id: the point out of service, e.g. for maintenance) reaches this stage
 * as well as the sensor stage and applies to every field event alarm of the point, fire included, those it reports
 * later too (see {@link #onSensorWideCommand}); {@link MergeSensorWideResults} merges the two stages' answers.
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
    static final String SUPPRESSED_SENSORS_STATE_NAME = "field-event-suppressed-sensors";

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
    /**
     * Counter: events that changed the condition of a suppressed alarm (a fire at a point out of service). Not
     * annunciated, as for every suppressed alarm; logged at WARN, and annunciated on unsuppress if still on.
     */
    public static final String EVENTS_WHILE_SUPPRESSED = "fieldEventsWhileSuppressed";
    /** Counter: sensor-wide suppressions of points that never reported, forgotten after the limit. */
    public static final String SUPPRESSIONS_LAPSED = "fieldEventSuppressionsLapsed";

    /**
     * How long a sensor-wide suppression waits for a point that has not reported anything yet: a maintenance
     * shift. Meant for disabling a detector before it is tested; a typo'd id or a forgotten suppression must not
     * silence a point commissioned months later under that id, unseen on any console until its first fire.
     */
    public static final Duration UNSEEN_POINT_SUPPRESSION_LIMIT = Duration.ofHours(12);

    private final RegistryView view;
    private final String controlRoomId;

    /** Per point and rule: {@code ruleId/sensorId} (rule ids have no '/') -> that alarm's engine state. */
    private transient MapState<String, SensorAlarmState> states;
    private transient ValueState<SensorClock> clock;
    /**
     * Sensors of the site suppressed sensor-wide -> that SUPPRESS. Kept apart from the alarms' states because a
     * fire point may report nothing for years: its alarm state only appears with its first event, and must then
     * start suppressed (see {@link #stateOf}).
     */
    private transient MapState<String, AlarmCommand> suppressedSensors;
    private transient Counter transitions;
    private transient AlarmEmitter emitter;
    private transient Counter unknownKinds;
    private transient Counter localAlarms;
    private transient Counter localAlarmsWithoutRule;
    private transient Counter resets;
    private transient Counter eventsWhileSuppressed;
    private transient Counter suppressionsLapsed;
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
        suppressedSensors = getRuntimeContext().getMapState(new MapStateDescriptor<>(SUPPRESSED_SENSORS_STATE_NAME,
                Types.STRING, TypeInformation.of(AlarmCommand.class)));
        var metrics = getRuntimeContext().getMetricGroup();
        transitions = metrics.counter(TRANSITIONS);
        emitter = new AlarmEmitter(LOG, "Field event alarm", controlRoomId, transitions);
        unknownKinds = metrics.counter(UNKNOWN_KINDS);
        localAlarms = metrics.counter(LOCAL_ALARMS);
        localAlarmsWithoutRule = metrics.counter(LOCAL_ALARMS_WITHOUT_RULE);
        resets = metrics.counter(RESETS);
        eventsWhileSuppressed = metrics.counter(EVENTS_WHILE_SUPPRESSED);
        suppressionsLapsed = metrics.counter(SUPPRESSIONS_LAPSED);
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
            case EVENTS_WHILE_SUPPRESSED -> eventsWhileSuppressed.getCount();
            case SUPPRESSIONS_LAPSED -> suppressionsLapsed.getCount();
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
                SensorAlarmState current = stateOf(effect.rule(), r.sensorId(), r.timestampMs(), alarms, registry,
                        out);
                RuleOutcome<SensorAlarmState> outcome = alarms.onEvent(current, effect, r);
                if (outcome.state() != current) {
                    states.put(stateKey(effect.rule(), r.sensorId()), outcome.state());
                    noteIfSuppressed(current, outcome.state(), r, unit);
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

    /**
     * The state of a point's alarm of {@code rule} (null: never seen). A point first seen while its sensor is
     * suppressed sensor-wide starts suppressed, with the SUPPRESSED transition of that suppression (who, why, when)
     * emitted now: the console then shows the point out of service, as it shows a suppressed sensor's rules.
     *
     * @param nowMs the time of what asks (the event's, or the command's), to tell a lapsed suppression
     */
    private SensorAlarmState stateOf(FieldEventRule rule, String sensorId, long nowMs, FieldEventAlarms alarms,
            SiteRegistry registry, Collector<RoutedAlarm> out) throws Exception {
        String key = stateKey(rule, sensorId);
        SensorAlarmState current = states.get(key);
        AlarmCommand suppression = current == null ? suppressedSensors.get(sensorId) : null;
        if (suppression != null && lapsed(suppression, sensorId, nowMs)) {
            suppression = null;
        }
        if (suppression == null) {
            return current;
        }
        CommandOutcome suppressed = alarms.onCommand(rule, null, suppression); // checked when it was remembered
        states.put(key, suppressed.state());
        emitter.emit(suppressed.transitions(), registry, out);
        return suppressed.state();
    }

    /**
     * Whether a sensor-wide suppression remembered for a point that has reported nothing since has outlived
     * {@link #UNSEEN_POINT_SUPPRESSION_LIMIT}; if so it is forgotten (and logged). Only for a point with no alarm
     * state at all: a point that has shown its suppression on the console keeps it until someone unsuppresses it.
     */
    private boolean lapsed(AlarmCommand suppression, String sensorId, long nowMs) throws Exception {
        if (nowMs - suppression.atMs() <= UNSEEN_POINT_SUPPRESSION_LIMIT.toMillis()) {
            return false;
        }
        for (FieldEventRule rule : FieldEventAlarms.RULES) {
            if (states.contains(stateKey(rule, sensorId))) {
                return false;
            }
        }
        suppressedSensors.remove(sensorId);
        suppressionsLapsed.inc();
        LOG.warn("Sensor-wide suppression of {}/{} by '{}' at {} ('{}') lapsed: the point reported nothing for more"
                + " than {}; its events are annunciated from now on", suppression.siteId(), sensorId,
                suppression.actor(), suppression.atMs(), suppression.comment(), UNSEEN_POINT_SUPPRESSION_LIMIT);
        return true;
    }

    /**
     * A suppressed alarm follows its condition silently, as every suppressed alarm does; a fire (or fault) at a
     * point out of service is still worth a trace for whoever wonders afterwards why nothing was annunciated.
     */
    private void noteIfSuppressed(SensorAlarmState before, SensorAlarmState after, SensorReading r, String unit) {
        AlarmSlot slot = after.slots()[0];
        if (slot.suppressed() && (before == null || before.slots()[0].condition() != slot.condition())) {
            eventsWhileSuppressed.inc();
            LOG.warn("Event '{}' = {} of {}/{} via device '{}' at {} not annunciated: the alarm {} is suppressed"
                    + " (annunciated as it then is when unsuppressed)", unit, r.value(), r.siteId(), r.sensorId(),
                    r.deviceId(), r.timestampMs(), slot.ruleId());
        }
    }

    private void onCommand(String commandId, AlarmCommand command, FieldEventAlarms alarms, SiteRegistry registry,
            ReadOnlyContext ctx, Collector<RoutedAlarm> out) throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        String refusal = MergeSensorWideResults.isSensorWide(command)
                ? onSensorWideCommand(command, alarms, registry, out)
                : onAlarmCommand(command, alarms, registry, out);
        answer(commandId, command, refusal, now, ctx);
        if (refusal != null) {
            return;
        }
        SensorClock c = clock.value();
        if (c == null) { // shelved or suppressed before the site sent any event
            c = new SensorClock(command.atMs(), now, SensorClock.NO_TIMER);
        }
        reschedule(alarms, c, ctx.timerService());
    }

    /**
     * A command on one field event alarm (rule id {@code event-*}): alarm-rules' lifecycle, as for every alarm.
     *
     * @return why it was refused, or null when it was accepted
     */
    private String onAlarmCommand(AlarmCommand command, FieldEventAlarms alarms, SiteRegistry registry,
            Collector<RoutedAlarm> out) throws Exception {
        FieldEventRule rule = FieldEventAlarms.ruleOf(command.ruleId());
        if (rule == null) {
            return "unknown alarm: no field event rule " + command.ruleId() + " (known: "
                    + FieldEventAlarms.RULES.stream().map(FieldEventRule::ruleId).toList() + ")";
        }
        CommandOutcome outcome = alarms.onCommand(rule, stateOf(rule, command.sensorId(), command.atMs(), alarms, registry, out),
                command);
        if (!outcome.accepted()) {
            return outcome.refusal();
        }
        states.put(stateKey(rule, command.sensorId()), outcome.state());
        emitter.emit(outcome.transitions(), registry, out);
        return null;
    }

    /**
     * A sensor-wide SUPPRESS or UNSUPPRESS ("take this sensor out of service"), which the sensor stage answers too
     * ({@link MergeSensorWideResults}): applied to the alarms the point already has, and remembered for those it
     * does not have yet. Accepted for a point never seen: a panel's fire points say nothing until they fire.
     *
     * <p>Fire points included. Taking a detector out of service for maintenance is what EN 54-2 calls a
     * disablement and ISA-18.2 an out-of-service alarm: normal practice, since a detector being tested or worked on
     * reports fires that are not fires, and a station alerted by those learns to ignore the point. What keeps it
     * safe is that it stays visible, as for every suppressed alarm: the fire alarm shows as SUPPRESSED, RED, with
     * who and why (from the command, or from the point's first event if it had none yet); a fire meanwhile is
     * logged and counted ({@link #EVENTS_WHILE_SUPPRESSED}); on unsuppress a fire still on is annunciated at once.
     *
     * @return why it was refused, or null when it was accepted
     */
    private String onSensorWideCommand(AlarmCommand command, FieldEventAlarms alarms, SiteRegistry registry,
            Collector<RoutedAlarm> out) throws Exception {
        String refusal = sensorWideRefusal(command, registry);
        if (refusal != null) {
            return refusal;
        }
        boolean suppress = command.type() == AlarmCommand.Type.SUPPRESS;
        List<FieldEventRule> toChange = new ArrayList<>();
        for (FieldEventRule rule : FieldEventAlarms.RULES) {
            SensorAlarmState s = states.get(stateKey(rule, command.sensorId()));
            if (s != null && s.slots()[0].suppressed() != suppress) {
                toChange.add(rule);
            }
        }
        boolean remembered = suppressedSensors.contains(command.sensorId());
        if (toChange.isEmpty() && remembered == suppress) {
            return "the field events of " + command.siteId() + "/" + command.sensorId() + " are "
                    + (suppress ? "already" : "not") + " suppressed";
        }
        if (suppress) {
            suppressedSensors.put(command.sensorId(), command);
        } else {
            suppressedSensors.remove(command.sensorId());
        }
        List<AlarmTransition> ts = new ArrayList<>();
        for (FieldEventRule rule : toChange) {
            String key = stateKey(rule, command.sensorId());
            CommandOutcome outcome = alarms.onCommand(rule, states.get(key), command);
            if (outcome.accepted()) { // (checked above: it changes the slot's suppression, so it is accepted)
                states.put(key, outcome.state());
                ts.addAll(outcome.transitions());
            }
        }
        emitter.emit(ts, registry, out);
        return null;
    }

    /** What makes a sensor-wide command meaningless here (the engine's words where it has the same check). */
    private static String sensorWideRefusal(AlarmCommand command, SiteRegistry registry) {
        if (command.actor().isBlank()) {
            return "a command must say who issued it";
        }
        if (command.type() == AlarmCommand.Type.SUPPRESS && command.comment().isBlank()) {
            return "a " + command.type() + " must say why";
        }
        if (registry.zone(command.siteId(), command.sensorId()) != null) {
            return command.siteId() + "/" + command.sensorId() + " is a zone, which reports no field events";
        }
        return null;
    }

    /**
     * The command's result; for a sensor-wide command a part, which {@link MergeSensorWideResults} counts and
     * logs if the merged result is a refusal.
     */
    private void answer(String commandId, AlarmCommand command, String refusal, long now, ReadOnlyContext ctx) {
        if (refusal == null) {
            ctx.output(MergeSensorWideResults.resultTag(command), CommandResult.accepted(commandId, command, now));
            return;
        }
        if (MergeSensorWideResults.isSensorWide(command)) {
            LOG.info("Command {} {} by '{}' on {}/{}: no change to its field event alarms ({})", commandId,
                    command.type(), command.actor(), command.siteId(), command.sensorId(), refusal);
        } else {
            refusedCommands.inc();
            LOG.warn("Command {} {} by '{}' on field event alarm {}/{} {} refused: {}", commandId, command.type(),
                    command.actor(), command.siteId(), command.sensorId(), command.ruleId(), refusal);
        }
        ctx.output(MergeSensorWideResults.resultTag(command), CommandResult.refused(commandId, command, refusal,
                now));
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
