package io.tocsin.jobs.timeseries;

import io.tocsin.jobs.alarms.AlarmEventCodec;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.proto.v1.AlarmEvent;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The alarms topic's records back into {@link RoutedAlarm}s; what cannot be read is logged, counted, dropped. */
public class DecodeAlarmEvent extends RichFlatMapFunction<byte[], RoutedAlarm> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DecodeAlarmEvent.class);

    private transient Counter rejected;

    @Override
    public void open(OpenContext openContext) {
        rejected = getRuntimeContext().getMetricGroup().counter("alarmEventsRejected");
    }

    @Override
    public void flatMap(byte[] bytes, Collector<RoutedAlarm> out) {
        try {
            out.collect(AlarmEventCodec.routedFromProto(AlarmEvent.parseFrom(bytes)));
        } catch (Exception e) {
            rejected.inc();
            LOG.warn("Dropped an alarm record of {} bytes: {}", bytes.length, e.getMessage());
        }
    }
}
