package io.tocsin.jobs.timeseries;

import com.influxdb.client.domain.WritePrecision;
import com.influxdb.client.write.Point;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.rules.AlarmTransition;
import java.util.Locale;

/**
 * How alarm events are stored: measurement {@value #MEASUREMENT}, one point per event at its event time.
 * Tags {@code site, sensor, rule, alarm_id, state, escalation_level}: with the time they identify an event, so a
 * replayed event overwrites itself (the store's dedup key). Fields: severity, kind, cause, value, threshold,
 * activation, actor, comment, stations, zone, rule_set_version.
 */
public final class AlarmEventLines implements LineProtocolFormatter<RoutedAlarm> {

    private static final long serialVersionUID = 1L;

    public static final String MEASUREMENT = "alarm_event";

    @Override
    public String toLine(RoutedAlarm alarm) {
        AlarmTransition t = alarm.transition();
        Point point = Point.measurement(MEASUREMENT)
                .addTag("site", t.siteId())
                .addTag("sensor", t.sensorId())
                .addTag("rule", t.ruleId())
                .addTag("alarm_id", t.alarmId())
                .addTag("state", lower(t.state().name()))
                .addTag("escalation_level", Integer.toString(alarm.escalationLevel()))
                .addField("severity", lower(t.severity().name()))
                .addField("kind", lower(t.kind().name()))
                .addField("cause", lower(t.cause().name()))
                .addField("activation", t.activation())
                .addField("actor", t.actor())
                .addField("comment", t.comment())
                .addField("stations", String.join(",", alarm.stationIds()))
                .addField("zone", alarm.zoneId())
                .addField("rule_set_version", t.ruleSetVersion())
                .time(t.eventTimeMs(), WritePrecision.MS);
        if (Double.isFinite(t.value())) {
            point.addField("value", t.value());
        }
        if (Double.isFinite(t.threshold())) {
            point.addField("threshold", t.threshold());
        }
        return point.toLineProtocol();
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
