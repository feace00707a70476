package io.tocsin.jobs.escalation;

import io.tocsin.jobs.alarms.RuleFileText;
import io.tocsin.jobs.registry.RegistryEntry;
import io.tocsin.jobs.registry.RegistryFileText;
import io.tocsin.jobs.registry.RegistryView;
import io.tocsin.jobs.registry.SiteEntry;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Escalation, keyed by alarm id: an alarm still ACTIVE_UNACKNOWLEDGED {@link EscalationPolicy#escalateAfterMs}
 * after it was raised is escalated, as an event of its own (same alarm id and state, escalation level n), to the
 * site's n-th escalation station and the control room; again after the same time to the next station, until
 * the site's escalation stations are exhausted (at least once). Any later transition of the alarm
 * (acknowledged, returned, shelved ...) ends it.
 *
 * <p>Listens to the alarm events only: acknowledgements are decided where the alarm state lives (sensor and
 * zone stages), and this stage sees their outcome. Processing time, because the time a station takes to react
 * is wall-clock time; the timers are checkpointed with the job. Emits only the escalations.
 */
public class EscalateUnacknowledged extends KeyedBroadcastProcessFunction<String, RoutedAlarm, RegistryEntry,
        RoutedAlarm> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EscalateUnacknowledged.class);

    public static final String ESCALATIONS = "alarmsEscalated";

    private final RegistryView view;
    private final EscalationPolicy policy;

    private transient ValueState<PendingEscalation> pending;
    private transient Counter escalations;

    public EscalateUnacknowledged(RuleFileText rules, RegistryFileText registry, EscalationPolicy policy) {
        this.view = new RegistryView(rules, registry);
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    @Override
    public void open(OpenContext openContext) {
        pending = getRuntimeContext().getState(
                new ValueStateDescriptor<>("pending-escalation", TypeInformation.of(PendingEscalation.class)));
        escalations = getRuntimeContext().getMetricGroup().counter(ESCALATIONS);
    }

    @Override
    public void processElement(RoutedAlarm alarm, ReadOnlyContext ctx, Collector<RoutedAlarm> out)
            throws Exception {
        if (alarm.escalationLevel() > 0) {
            return;
        }
        PendingEscalation p = pending.value();
        AlarmTransition t = alarm.transition();
        long after = policy.escalateAfterMs(t.severity());
        if (t.state() == AlarmState.ACTIVE_UNACKNOWLEDGED && after > 0) {
            if (p == null) { // a re-annunciation of the same activation keeps the clock running
                long at = ctx.timerService().currentProcessingTime() + after;
                ctx.timerService().registerProcessingTimeTimer(at);
                pending.update(new PendingEscalation(alarm, 0, at));
            }
        } else if (p != null) {
            ctx.timerService().deleteProcessingTimeTimer(p.timerAtMs());
            pending.clear();
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<RoutedAlarm> out) throws Exception {
        PendingEscalation p = pending.value();
        if (p == null || p.timerAtMs() != timestamp) {
            return;
        }
        AlarmTransition t = p.alarm().transition();
        SiteEntry site = view.registry(ctx.getBroadcastState(RegistryView.STATE)).site(t.siteId());
        List<String> next = site == null ? List.of() : site.escalationStationIds();
        int level = p.level() + 1;
        List<String> stations = new ArrayList<>(2);
        if (level <= next.size()) {
            stations.add(next.get(level - 1));
        }
        stations.add(policy.controlRoomId());
        LOG.warn("Alarm {} ({}) not acknowledged in time: escalation {} to {}", t.alarmId(), t.severity(), level,
                stations);
        escalations.inc();
        out.collect(new RoutedAlarm(t, stations, level, p.alarm().zoneId()));
        if (level < Math.max(1, next.size())) {
            long at = timestamp + policy.escalateAfterMs(t.severity());
            ctx.timerService().registerProcessingTimeTimer(at);
            pending.update(new PendingEscalation(p.alarm(), level, at));
        } else {
            pending.clear();
        }
    }

    @Override
    public void processBroadcastElement(RegistryEntry entry, Context ctx, Collector<RoutedAlarm> out)
            throws Exception {
        view.apply(entry, ctx.getBroadcastState(RegistryView.STATE));
    }
}
