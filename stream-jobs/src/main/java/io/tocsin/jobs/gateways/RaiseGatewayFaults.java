package io.tocsin.jobs.gateways;

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
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.RuleOutcome;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.config.RuleSet;
import io.tocsin.rules.engine.CommandOutcome;
import io.tocsin.rules.engine.SensorAlarmEngine;
import io.tocsin.rules.engine.SensorAlarmState;
import io.tocsin.rules.lifecycle.AlarmCommand;
import java.util.List;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway stage, keyed by {@code site/device}: raises a FAULT alarm {@code site/device/gateway-offline/n} when
 * a gateway stays offline longer than the grace of its {@link GatewayFaultPolicy}, and returns it when the
 * gateway is online again. The decision and the lifecycle are alarm-rules' {@link SensorAlarmEngine} with one
 * {@link GatewayOfflineRule} (the grace is its on-delay), so acknowledge, shelve, unshelve, suppress and
 * unsuppress from the commands topic apply exactly as to a sensor's alarms, and the alarm is routed to the site's
 * stations ({@link StationRouting}) and escalated like any other.
 *
 * <p>Status events may arrive out of order (several ingest servers write them): {@link GatewayConnection} judges
 * each by its server and event time; one that changes nothing is dropped and counted ({@link #STALE_EVENTS}).
 * The grace runs on a processing-time timer mapped from the ingest server's clock with {@link SensorClock}, as
 * the sensor stage's delays do, so it counts from when the job learnt of the disconnection.
 */
public class RaiseGatewayFaults extends KeyedBroadcastProcessFunction<String, GatewayInput, RegistryEntry,
        RoutedAlarm> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RaiseGatewayFaults.class);

    /** Names of the keyed states in checkpoints and savepoints: never rename. */
    static final String STATE_NAME = "gateway-alarm-state";
    static final String CONNECTION_STATE_NAME = "gateway-connection";
    static final String CLOCK_STATE_NAME = "gateway-clock";

    /** Counter: gateway fault transitions emitted. */
    public static final String TRANSITIONS = "gatewayFaultTransitions";
    /** Counter: status events that changed nothing (older than the last change, superseded, taken over). */
    public static final String STALE_EVENTS = "statusEventsStale";

    private final RegistryView view;
    private final String controlRoomId;
    private final GatewayFaultPolicy policy;

    private transient GatewayOfflineRule rule;

    private transient ValueState<SensorAlarmState> state;
    private transient ValueState<GatewayConnection> connection;
    private transient ValueState<SensorClock> clock;
    private transient AlarmEmitter emitter;
    private transient Counter staleEvents;
    private transient Counter refusedCommands;

    public RaiseGatewayFaults(RuleFileText rules, RegistryFileText registry, String controlRoomId,
            GatewayFaultPolicy policy) {
        this.view = new RegistryView(rules, registry);
        this.controlRoomId = Objects.requireNonNull(controlRoomId, "controlRoomId");
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    @Override
    public void open(OpenContext openContext) {
        rule = GatewayOfflineRule.of(policy); // alarm-rules' types are not Serializable: built on the task
        state = getRuntimeContext().getState(
                new ValueStateDescriptor<>(STATE_NAME, TypeInformation.of(SensorAlarmState.class)));
        connection = getRuntimeContext().getState(
                new ValueStateDescriptor<>(CONNECTION_STATE_NAME, TypeInformation.of(GatewayConnection.class)));
        clock = getRuntimeContext().getState(
                new ValueStateDescriptor<>(CLOCK_STATE_NAME, TypeInformation.of(SensorClock.class)));
        var metrics = getRuntimeContext().getMetricGroup();
        emitter = new AlarmEmitter(LOG, "Gateway fault", controlRoomId, metrics.counter(TRANSITIONS));
        staleEvents = metrics.counter(STALE_EVENTS);
        refusedCommands = metrics.counter(EvaluateAlarmRules.REFUSED_COMMANDS);
    }

    /** The engine for a site: the one gateway rule, under the rule file's version and the site's shelving policy. */
    private SensorAlarmEngine engineFor(RuleSet rules, String siteId) {
        return new SensorAlarmEngine(rules.version(), List.of(rule), Double.NEGATIVE_INFINITY,
                Double.POSITIVE_INFINITY, rules.policyOf(siteId));
    }

    @Override
    public void processElement(GatewayInput input, ReadOnlyContext ctx, Collector<RoutedAlarm> out) throws Exception {
        ReadOnlyBroadcastState<String, byte[]> registryState = ctx.getBroadcastState(RegistryView.STATE);
        RuleSet rules = view.rules(registryState);
        SiteRegistry registry = view.registry(registryState);
        if (input.status() != null) {
            onStatus(input.status(), rules, registry, ctx, out);
        } else {
            onCommand(input.commandId(), input.command(), rules, registry, ctx, out);
        }
    }

    private void onStatus(GatewayStatus s, RuleSet rules, SiteRegistry registry, ReadOnlyContext ctx,
            Collector<RoutedAlarm> out) throws Exception {
        GatewayConnection next = GatewayConnection.after(connection.value(), s);
        if (next == null) {
            staleEvents.inc();
            LOG.info("Status {} ({}) of gateway {} from server {} at {} changes nothing: the connection is {}",
                    s.online() ? "ONLINE" : "OFFLINE", s.cause(), s.key(), s.serverId(), s.eventTimeMs(),
                    connection.value());
            return;
        }
        connection.update(next);
        SensorAlarmEngine engine = engineFor(rules, s.siteId());
        SensorAlarmState current = state.value();
        // The connection's time never goes back (GatewayConnection drops older events), so the engine never
        // ignores this reading as out of order.
        RuleOutcome<SensorAlarmState> outcome = engine.onReading(current, new SensorReading(s.siteId(), s.deviceId(),
                s.deviceId(), next.sinceMs(), next.online() ? GatewayOfflineRule.ONLINE : GatewayOfflineRule.OFFLINE,
                ReadingQuality.GOOD));
        if (outcome.state() != current) {
            state.update(outcome.state());
        }
        emitter.emit(outcome.transitions(), registry, out);
        SensorClock previous = clock.value();
        SensorClock c = new SensorClock(next.sinceMs(), ctx.timerService().currentProcessingTime(),
                previous == null ? SensorClock.NO_TIMER : previous.timerAtMs());
        reschedule(engine, outcome.state(), c, ctx.timerService());
    }

    private void onCommand(String commandId, AlarmCommand command, RuleSet rules, SiteRegistry registry,
            ReadOnlyContext ctx, Collector<RoutedAlarm> out) throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        SensorAlarmEngine engine = engineFor(rules, command.siteId());
        SensorAlarmState current = state.value();
        CommandOutcome outcome = current == null && command.type() == AlarmCommand.Type.ACKNOWLEDGE
                ? new CommandOutcome(false, "unknown alarm " + command.alarmId() + ": gateway "
                        + command.siteId() + "/" + command.sensorId() + " has never been offline", null, List.of())
                : engine.onCommand(current, command);
        if (!outcome.accepted()) {
            refusedCommands.inc();
            LOG.warn("Command {} {} by '{}' on gateway {}/{} refused: {}", commandId, command.type(), command.actor(),
                    command.siteId(), command.sensorId(), outcome.refusal());
            ctx.output(EvaluateAlarmRules.COMMAND_RESULTS, CommandResult.refused(commandId, command,
                    outcome.refusal(), now));
            return;
        }
        state.update(outcome.state());
        emitter.emit(outcome.transitions(), registry, out);
        ctx.output(EvaluateAlarmRules.COMMAND_RESULTS, CommandResult.accepted(commandId, command, now));
        SensorClock c = clock.value();
        if (c == null) { // suppressed or shelved before the gateway was ever heard of
            c = new SensorClock(command.atMs(), now, SensorClock.NO_TIMER);
        }
        reschedule(engine, outcome.state(), c, ctx.timerService());
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RoutedAlarm> out) throws Exception {
        SensorAlarmState current = state.value();
        SensorClock c = clock.value();
        if (current == null || c == null) {
            return;
        }
        ReadOnlyBroadcastState<String, byte[]> registryState = ctx.getBroadcastState(RegistryView.STATE);
        SensorAlarmEngine engine = engineFor(view.rules(registryState), current.siteId());
        RuleOutcome<SensorAlarmState> outcome = engine.evaluateAt(current, c.sensorTimeAt(timestamp));
        if (outcome.state() != current) {
            state.update(outcome.state());
        }
        emitter.emit(outcome.transitions(), view.registry(registryState), out);
        SensorClock cleared = timestamp == c.timerAtMs() ? c.withTimer(SensorClock.NO_TIMER) : c;
        reschedule(engine, outcome.state(), cleared, ctx.timerService());
    }

    @Override
    public void processBroadcastElement(RegistryEntry entry, Context ctx, Collector<RoutedAlarm> out)
            throws Exception {
        view.apply(entry, ctx.getBroadcastState(RegistryView.STATE)); // refusals are counted by the sensor stage
    }

    /** One timer per gateway, at the engine's next deadline (the grace running out, a shelve expiring). */
    private void reschedule(SensorAlarmEngine engine, SensorAlarmState s, SensorClock c, TimerService timers)
            throws Exception {
        clock.update(c.withOnlyTimerAt(engine.nextDeadline(s), timers));
    }
}
