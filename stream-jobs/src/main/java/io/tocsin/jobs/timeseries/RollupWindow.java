package io.tocsin.jobs.timeseries;

import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/** Stamps a window's figures with the start of its minute; a minute without a GOOD reading gives no rollup. */
public class RollupWindow extends ProcessWindowFunction<RollupAccumulator, ReadingRollup, String, TimeWindow> {

    private static final long serialVersionUID = 1L;

    @Override
    public void process(String key, Context ctx, Iterable<RollupAccumulator> figures, Collector<ReadingRollup> out) {
        for (RollupAccumulator a : figures) {
            if (a.count > 0) {
                out.collect(new ReadingRollup(a.siteId, a.sensorId, ctx.window().getStart(), a.min, a.max,
                        a.sum / a.count, a.last, a.count));
            }
        }
    }
}
