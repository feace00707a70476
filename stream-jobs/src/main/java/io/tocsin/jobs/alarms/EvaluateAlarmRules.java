package io.tocsin.jobs.alarms;

import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.RuleOutcome;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.config.RuleSet;
import io.tocsin.rules.engine.SensorAlarmEngine;
import io.tocsin.rules.engine.SensorAlarmState;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the alarm-rules engine per sensor (keyed by {@link SiteSensorKey}): the sensor's
 * {@link SensorAlarmState} lives in Flink keyed state, so it is checkpointed and restored with the job, and
 * readings replayed after a restart produce the same alarm ids.
 *
 * <p>Time-driven decisions (a silent sensor, on/off delays, shelve expiry, flapping settling) run on one
 * processing-time timer per sensor, set to the engine's {@link SensorAlarmEngine#nextDeadline}. The engine's
 * clock is the sensor's (event time of its readings); {@link SensorClock} maps it to processing time with the
 * offset seen at the last reading, so a gateway whose clock is off by minutes neither looks silent nor hides
 * a silence. Processing time rather than event time because a silent sensor sends no readings and so would
 * never advance a watermark.
 *
 * <p>Sensors without rules keep no state. Commands (acknowledge, shelve ...) are the next step (issue 6): a
 * command stream keyed the same way, connected to this one (a KeyedCoProcessFunction), would call
 * {@link SensorAlarmEngine#onCommand} on the same state and {@link #reschedule} afterwards.
 */
public class EvaluateAlarmRules extends KeyedProcessFunction<String, SensorReading, AlarmTransition> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateAlarmRules.class);

    /** Names of the keyed states in checkpoints and savepoints: renaming one loses every sensor's state. */
    static final String STATE_NAME = "sensor-alarm-state";
    static final String CLOCK_STATE_NAME = "sensor-clock";

    /** Counter: alarm transitions emitted. */
    public static final String TRANSITIONS = "alarmTransitions";

    private final RuleFileText rules;

    private transient RuleSet ruleSet;
    private transient ValueState<SensorAlarmState> state;
    private transient ValueState<SensorClock> clock;
    private transient Counter transitions;

    public EvaluateAlarmRules(RuleFileText rules) {
        this.rules = Objects.requireNonNull(rules, "rules");
    }

    @Override
    public void open(OpenContext openContext) {
        ruleSet = rules.load();
        // TypeInformation.of(record) gives Flink's POJO serializer (records are supported since Flink 1.19);
        // tests assert it is not a Kryo generic type.
        state = getRuntimeContext().getState(
                new ValueStateDescriptor<>(STATE_NAME, TypeInformation.of(SensorAlarmState.class)));
        clock = getRuntimeContext().getState(
                new ValueStateDescriptor<>(CLOCK_STATE_NAME, TypeInformation.of(SensorClock.class)));
        transitions = getRuntimeContext().getMetricGroup().counter(TRANSITIONS);
        LOG.info("Evaluating alarm rules {} version {}", ruleSet.source(), ruleSet.version());
    }

    @Override
    public void processElement(SensorReading reading, Context ctx, Collector<AlarmTransition> out)
            throws Exception {
        SensorAlarmEngine engine = ruleSet.engineFor(reading.siteId(), reading.sensorId());
        if (engine.isEmpty()) {
            return;
        }
        SensorAlarmState current = state.value();
        RuleOutcome<SensorAlarmState> outcome = engine.onReading(current, reading);
        SensorAlarmState next = outcome.state();
        if (next == current) {
            return; // an out-of-order reading: the engine ignored it
        }
        // Written every time: the reading time (silence) and the sample window change with every reading.
        state.update(next);
        emit(outcome, out);
        SensorClock previous = clock.value();
        long now = ctx.timerService().currentProcessingTime();
        SensorClock c = new SensorClock(reading.timestampMs(), now,
                previous == null ? SensorClock.NO_TIMER : previous.timerAtMs());
        reschedule(engine, next, c, ctx.timerService());
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AlarmTransition> out) throws Exception {
        SensorAlarmState current = state.value();
        SensorClock c = clock.value();
        if (current == null || c == null) {
            return;
        }
        SensorAlarmEngine engine = ruleSet.engineFor(current.siteId(), current.sensorId());
        RuleOutcome<SensorAlarmState> outcome = engine.evaluateAt(current, c.sensorTimeAt(timestamp));
        if (outcome.state() != current) {
            state.update(outcome.state());
        }
        emit(outcome, out);
        reschedule(engine, outcome.state(), c.withTimer(SensorClock.NO_TIMER), ctx.timerService());
    }

    /** Keeps exactly one timer per sensor, at the engine's next deadline (none if there is none). */
    void reschedule(SensorAlarmEngine engine, SensorAlarmState s, SensorClock c,
            org.apache.flink.streaming.api.TimerService timers) throws Exception {
        long deadline = engine.nextDeadline(s);
        long at = deadline == Long.MAX_VALUE ? SensorClock.NO_TIMER : c.processingTimeOf(deadline);
        if (at != c.timerAtMs()) {
            if (c.timerAtMs() != SensorClock.NO_TIMER) {
                timers.deleteProcessingTimeTimer(c.timerAtMs());
            }
            if (at != SensorClock.NO_TIMER) {
                timers.registerProcessingTimeTimer(at);
            }
        }
        clock.update(c.withTimer(at));
    }

    private void emit(RuleOutcome<SensorAlarmState> outcome, Collector<AlarmTransition> out) {
        for (AlarmTransition t : outcome.transitions()) {
            // Transitions are rare and are what people act on: worth one log line each.
            LOG.info("Alarm {} {} ({} {}, {}): value {} limit {} at {} [rules {}]", t.alarmId(), t.state(),
                    t.kind(), t.severity(), t.cause(), t.value(), t.threshold(), t.eventTimeMs(), t.ruleSetVersion());
            transitions.inc();
            out.collect(t);
        }
    }
}
