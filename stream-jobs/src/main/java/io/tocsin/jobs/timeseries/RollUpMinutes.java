package io.tocsin.jobs.timeseries;

import io.tocsin.rules.SensorReading;
import java.time.Duration;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * One-minute rollups per sensor (keyed by site/sensor), on event time: what a tumbling event-time window with
 * allowed lateness and {@link RollUpReadings} would give, without the window operator's cost per reading. A
 * window operator registers its trigger's timer for every element (a dedup-set insert each), which at 50,000
 * readings/s was most of this stage's time on a 2-core machine; here a sensor registers its timers once per
 * minute.
 *
 * <p>Behaviour, as the window it replaces:
 * <ul>
 *   <li>a minute's rollup is emitted when the watermark passes the minute's end, if it had a GOOD reading;</li>
 *   <li>a reading for a minute already emitted but within the allowed lateness updates it and emits the rollup
 *       again (the store overwrites the point: same series and time);</li>
 *   <li>a reading later than that is dropped and counted ({@value #LATE_DROPPED}); it is still in the readings
 *       table.</li>
 * </ul>
 */
public class RollUpMinutes extends KeyedProcessFunction<String, SensorReading, ReadingRollup> {

    private static final long serialVersionUID = 1L;

    public static final String LATE_DROPPED = "rollupReadingsDroppedLate";
    static final long MINUTE_MS = 60_000;

    private final long allowedLatenessMs;
    private final RollUpReadings rollUp = new RollUpReadings();
    private transient MapState<Long, RollupAccumulator> minutes;
    private transient Counter lateDropped;

    public RollUpMinutes(Duration allowedLateness) {
        this.allowedLatenessMs = allowedLateness.toMillis();
    }

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
        minutes = getRuntimeContext().getMapState(new MapStateDescriptor<>("minutes", Types.LONG,
                TypeInformation.of(RollupAccumulator.class)));
        lateDropped = getRuntimeContext().getMetricGroup().counter(LATE_DROPPED);
    }

    @Override
    public void processElement(SensorReading r, Context ctx, Collector<ReadingRollup> out) throws Exception {
        long minute = r.timestampMs() - Math.floorMod(r.timestampMs(), MINUTE_MS);
        long end = lastMillisecondOf(minute);
        long watermark = ctx.timerService().currentWatermark();
        if (end + allowedLatenessMs <= watermark) {
            lateDropped.inc();
            return;
        }
        RollupAccumulator figures = minutes.get(minute);
        if (figures == null) {
            figures = rollUp.createAccumulator();
            ctx.timerService().registerEventTimeTimer(end); // emit
            ctx.timerService().registerEventTimeTimer(end + allowedLatenessMs); // forget
        }
        minutes.put(minute, rollUp.add(r, figures));
        if (end <= watermark) {
            emit(minute, figures, out); // late but allowed: the updated figures replace the emitted ones
        }
    }

    /**
     * Timers sit on last milliseconds of minutes; with a lateness in whole minutes one timestamp can be both the
     * end of one minute (emit it) and the end of an older one's lateness (forget that one).
     */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ReadingRollup> out) throws Exception {
        long minute = timestamp + 1 - MINUTE_MS;
        if (Math.floorMod(minute, MINUTE_MS) == 0) {
            RollupAccumulator figures = minutes.get(minute);
            if (figures != null) {
                emit(minute, figures, out);
            }
        }
        long expired = timestamp - allowedLatenessMs + 1 - MINUTE_MS;
        if (Math.floorMod(expired, MINUTE_MS) == 0) {
            minutes.remove(expired);
        }
    }

    private static void emit(long minute, RollupAccumulator a, Collector<ReadingRollup> out) {
        if (a.count > 0) {
            out.collect(new ReadingRollup(a.siteId, a.sensorId, minute, a.min, a.max, a.sum / a.count, a.last,
                    a.count));
        }
    }

    private static long lastMillisecondOf(long minute) {
        return minute + MINUTE_MS - 1;
    }
}
