package io.tocsin.jobs.zones;

import io.tocsin.jobs.alarms.SensorClock;
import io.tocsin.jobs.alarms.RuleFileText;
import io.tocsin.jobs.alarms.EvaluateAlarmRules;
import io.tocsin.jobs.commands.CommandResult;
import io.tocsin.jobs.commands.MergeSensorWideResults;
import io.tocsin.jobs.registry.RegistryEntry;
import io.tocsin.jobs.registry.RegistryFileText;
import io.tocsin.jobs.registry.RegistryView;
import io.tocsin.jobs.registry.SiteEntry;
import io.tocsin.jobs.registry.SiteRegistry;
import io.tocsin.jobs.registry.ZoneEntry;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.jobs.routing.StationRouting;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.RuleOutcome;
import io.tocsin.rules.engine.SensorAlarmEngine;
import io.tocsin.rules.lifecycle.AlarmCommand;
import io.tocsin.rules.lifecycle.AlarmLifecycle;
import io.tocsin.rules.lifecycle.AlarmSlot;
import io.tocsin.rules.voting.MemberState;
import io.tocsin.rules.voting.ZoneVoting;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
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
 * The zone stage, keyed by {@code site/zone}: keeps each member detector's vote and decides the confirmed zone
 * alarm with alarm-rules' {@link ZoneVoting} (k of n, with delays, flapping and the ISA-18.2 lifecycle). The
 * zone alarm's id is {@code site/zone/zone-vote/activation}; it is routed like the site's other alarms.
 *
 * <p>A member never heard of counts as FAULT (alarm-rules' contract: a blind detector must not hold a
 * confirmation back). So that a zone does not confirm merely because the job has just started and the other
 * detectors have not reported yet, the zone waits for every member's first report, or at most
 * {@code warmUp} after its first member update, before it votes.
 *
 * <p>Commands on a zone alarm reach this stage through the sensor stage: acknowledge, shelve, unshelve, suppress
 * and unsuppress, decided by alarm-rules' {@link AlarmLifecycle} as for a sensor's alarm (the site's shelving
 * policy from the rule file applies; shelve and suppress must say why). They act on the zone alarm only: the
 * detectors' own alarms and votes go on.
 */
public class VoteInZone extends KeyedBroadcastProcessFunction<String, ZoneInput, RegistryEntry, RoutedAlarm> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(VoteInZone.class);

    public static final Duration DEFAULT_WARM_UP = Duration.ofMinutes(2);

    private final RegistryView view;
    private final String controlRoomId;
    private final long warmUpMs;

    private transient MapState<String, MemberState> members;
    private transient ValueState<AlarmSlot> slot;
    private transient ValueState<SensorClock> clock;
    private transient ValueState<Long> firstUpdateAt;
    private transient Counter transitions;
    private transient Counter refusedCommands;

    public VoteInZone(RuleFileText rules, RegistryFileText registry, String controlRoomId, Duration warmUp) {
        this.view = new RegistryView(rules, registry);
        this.controlRoomId = Objects.requireNonNull(controlRoomId, "controlRoomId");
        this.warmUpMs = warmUp.toMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        members = getRuntimeContext().getMapState(new MapStateDescriptor<>("zone-members", Types.STRING,
                TypeInformation.of(MemberState.class)));
        slot = getRuntimeContext().getState(
                new ValueStateDescriptor<>("zone-alarm", TypeInformation.of(AlarmSlot.class)));
        clock = getRuntimeContext().getState(
                new ValueStateDescriptor<>("zone-clock", TypeInformation.of(SensorClock.class)));
        firstUpdateAt = getRuntimeContext().getState(new ValueStateDescriptor<>("zone-first-update", Types.LONG));
        transitions = getRuntimeContext().getMetricGroup().counter("zoneAlarmTransitions");
        refusedCommands = getRuntimeContext().getMetricGroup().counter(EvaluateAlarmRules.REFUSED_COMMANDS);
    }

    @Override
    public void processElement(ZoneInput input, ReadOnlyContext ctx, Collector<RoutedAlarm> out) throws Exception {
        SiteRegistry registry = view.registry(ctx.getBroadcastState(RegistryView.STATE));
        ZoneEntry zone = registry.zone(input.siteId(), input.zoneId());
        long now = ctx.timerService().currentProcessingTime();
        if (input.command() != null) {
            onCommand(input, zone, registry, now, ctx, out);
            return;
        }
        if (zone == null || !zone.sensorIds().contains(input.sensorId())) {
            return; // the registry changed since the sensor stage looked: not (or no longer) a member
        }
        members.put(input.sensorId(), input.memberState());
        if (firstUpdateAt.value() == null) {
            firstUpdateAt.update(now);
            ctx.timerService().registerProcessingTimeTimer(now + warmUpMs);
        }
        SensorClock previous = clock.value();
        SensorClock c = new SensorClock(input.eventTimeMs(), now,
                previous == null ? SensorClock.NO_TIMER : previous.timerAtMs());
        vote(input.siteId(), zone, registry, c, input.eventTimeMs(), now, ctx.timerService(), out);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RoutedAlarm> out) throws Exception {
        SensorClock c = clock.value();
        if (c == null) {
            return;
        }
        SiteRegistry registry = view.registry(ctx.getBroadcastState(RegistryView.STATE));
        String[] key = ctx.getCurrentKey().split("/", 2); // site/zone; site ids never contain '/'
        ZoneEntry zone = registry.zone(key[0], key[1]);
        if (zone != null) {
            SensorClock cleared = timestamp == c.timerAtMs() ? c.withTimer(SensorClock.NO_TIMER) : c;
            vote(key[0], zone, registry, cleared, c.sensorTimeAt(timestamp), timestamp, ctx.timerService(), out);
        }
    }

    private void vote(String siteId, ZoneEntry zone, SiteRegistry registry, SensorClock c, long sensorNow,
            long processingNow, TimerService timers, Collector<RoutedAlarm> out) throws Exception {
        MemberState[] votes = new MemberState[zone.sensorIds().size()];
        boolean allHeard = true;
        for (int i = 0; i < votes.length; i++) {
            MemberState m = members.get(zone.sensorIds().get(i));
            allHeard &= m != null;
            votes[i] = m == null ? MemberState.FAULT : m;
        }
        Long first = firstUpdateAt.value();
        ZoneVoting voting = new ZoneVoting(versionOf(registry, siteId), zone.votingRule());
        if (first == null) {
            // A timer of a command (a shelve expiring) on a zone none of whose members has reported: only time
            // acts; there is nothing to vote on yet.
            AlarmSlot current = slot.value();
            AlarmLifecycle.Step timed = current == null ? null
                    : AlarmLifecycle.onTime(current, zone.votingRule().common(), sensorNow);
            if (timed != null) {
                slot.update(timed.slot());
                if (timed.emits()) {
                    emit(List.of(SensorAlarmEngine.transition(versionOf(registry, siteId), siteId, "", zone.zoneId(),
                            zone.votingRule(), timed.slot(), timed.cause(), sensorNow, "", "")), registry, zone, out);
                }
            }
            reschedule(voting, slot.value(), c, timers);
            return;
        }
        if (!allHeard && processingNow < first + warmUpMs) {
            clock.update(c);
            return; // the warm-up timer votes again
        }
        RuleOutcome<AlarmSlot> outcome = voting.onMemberStates(slot.value(), siteId, zone.zoneId(), votes, sensorNow);
        slot.update(outcome.state());
        emit(outcome.transitions(), registry, zone, out);
        reschedule(voting, outcome.state(), c, timers);
    }

    /** One timer per zone, at the zone alarm's next deadline (a delay running out, a shelve expiring). */
    private void reschedule(ZoneVoting voting, AlarmSlot s, SensorClock c, TimerService timers) throws Exception {
        clock.update(c.withOnlyTimerAt(voting.nextDeadline(s), timers));
    }

    private void onCommand(ZoneInput input, ZoneEntry zone, SiteRegistry registry, long now, ReadOnlyContext ctx,
            Collector<RoutedAlarm> out) throws Exception {
        AlarmCommand command = input.command();
        AlarmSlot current = slot.value();
        String refusal = null;
        AlarmLifecycle.Decision decision = null;
        if (zone == null) {
            refusal = "unknown zone " + input.key();
        } else if (command.actor().isBlank()) {
            refusal = "a command must say who issued it";
        } else if (command.ruleId() != null && !command.ruleId().equals(ZoneEntry.RULE_ID)) {
            refusal = "zone " + input.key() + " has one alarm, rule " + ZoneEntry.RULE_ID + ", not " + command.ruleId();
        } else if ((command.type() == AlarmCommand.Type.SHELVE || command.type() == AlarmCommand.Type.SUPPRESS)
                && command.comment().isBlank()) {
            refusal = "a " + command.type() + " must say why";
        } else if (command.type() == AlarmCommand.Type.ACKNOWLEDGE && (current == null || !AlarmTransition.idOf(
                input.siteId(), zone.zoneId(), ZoneEntry.RULE_ID, current.activation()).equals(command.alarmId()))) {
            refusal = "unknown alarm " + command.alarmId() + ": the current activation of zone " + input.key()
                    + " is " + (current == null || current.activation() == 0 ? "none"
                    : AlarmTransition.idOf(input.siteId(), zone.zoneId(), ZoneEntry.RULE_ID, current.activation()));
        } else {
            AlarmSlot s = current == null ? AlarmSlot.initial(ZoneEntry.RULE_ID) : current;
            decision = switch (command.type()) {
                case ACKNOWLEDGE -> AlarmLifecycle.acknowledge(s);
                case SHELVE -> AlarmLifecycle.shelve(s, zone.votingRule().common().severity(),
                        view.rules(ctx.getBroadcastState(RegistryView.STATE)).policyOf(input.siteId()),
                        command.atMs(), command.untilMs());
                case UNSHELVE -> AlarmLifecycle.unshelve(s, command.atMs());
                case SUPPRESS -> AlarmLifecycle.suppress(s);
                case UNSUPPRESS -> AlarmLifecycle.unsuppress(s, command.atMs());
            };
            if (!decision.accepted()) {
                refusal = command.type() + " of " + input.key() + " refused: " + decision.refusal();
            }
        }
        if (refusal != null) {
            if (MergeSensorWideResults.isSensorWide(command)) {
                // A sensor-wide suppress of a zone id reached the field event stage too: only a part, counted and
                // logged by MergeSensorWideResults if the merged result is a refusal.
                LOG.info("Command {} {} by '{}' on zone {}: no change to the zone alarm ({})", input.commandId(),
                        command.type(), command.actor(), input.key(), refusal);
            } else {
                refusedCommands.inc();
                LOG.warn("Command {} {} by '{}' on zone {} refused: {}", input.commandId(), command.type(),
                        command.actor(), input.key(), refusal);
            }
            ctx.output(MergeSensorWideResults.resultTag(command), CommandResult.refused(input.commandId(), command,
                    refusal, now));
            return;
        }
        AlarmSlot next = decision.step().slot();
        slot.update(next);
        AlarmTransition t = SensorAlarmEngine.transition(versionOf(registry, input.siteId()), input.siteId(), "",
                zone.zoneId(), zone.votingRule(), next, decision.step().cause(), command.atMs(), command.actor(),
                command.comment());
        emit(List.of(t), registry, zone, out);
        ctx.output(MergeSensorWideResults.resultTag(command), CommandResult.accepted(input.commandId(), command,
                now));
        // A shelve expires on a timer; unshelving may leave a delay to run. On the zone's clock, or the command's
        // for a zone none of whose members has reported yet.
        SensorClock c = clock.value();
        if (c == null) {
            c = new SensorClock(command.atMs(), now, SensorClock.NO_TIMER);
        }
        reschedule(new ZoneVoting(versionOf(registry, input.siteId()), zone.votingRule()), next, c,
                ctx.timerService());
    }

    @Override
    public void processBroadcastElement(RegistryEntry entry, Context ctx, Collector<RoutedAlarm> out)
            throws Exception {
        view.apply(entry, ctx.getBroadcastState(RegistryView.STATE)); // refusals are counted by the sensor stage
    }

    private static String versionOf(SiteRegistry registry, String siteId) {
        SiteEntry site = registry.site(siteId);
        return site == null || site.version().isEmpty() ? "registry" : site.version();
    }

    private void emit(List<AlarmTransition> ts, SiteRegistry registry, ZoneEntry zone, Collector<RoutedAlarm> out) {
        for (AlarmTransition t : ts) {
            RoutedAlarm routed = StationRouting.route(t, registry, controlRoomId, zone.zoneId());
            LOG.info("Zone alarm {} {} ({}, {}): {} of {} votes at {} to {}", t.alarmId(), t.state(), t.severity(),
                    t.cause(), t.value(), zone.sensorIds().size(), t.eventTimeMs(), routed.stationIds());
            transitions.inc();
            out.collect(routed);
        }
    }
}
