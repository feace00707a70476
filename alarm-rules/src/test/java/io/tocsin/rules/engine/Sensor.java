package io.tocsin.rules.engine;

import io.tocsin.rules.AlarmRule;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.RuleOutcome;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.lifecycle.AlarmCommand;
import io.tocsin.rules.lifecycle.SitePolicy;
import java.util.ArrayList;
import java.util.List;

/** Test driver: one sensor's engine and state, collecting every transition. */
final class Sensor {

    static final String SITE = "park-1";
    static final String SENSOR = "gas-03";

    final SensorAlarmEngine engine;
    SensorAlarmState state;
    final List<AlarmTransition> events = new ArrayList<>();
    CommandOutcome lastCommand;

    Sensor(double spanMin, double spanMax, SitePolicy policy, AlarmRule... rules) {
        engine = new SensorAlarmEngine("v1", List.of(rules), spanMin, spanMax, policy);
    }

    Sensor(AlarmRule... rules) {
        this(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, SitePolicy.DEFAULT, rules);
    }

    static SensorReading good(long t, double v) {
        return new SensorReading(SITE, "gw-1", SENSOR, t, v, ReadingQuality.GOOD);
    }

    List<AlarmTransition> read(long t, double v) {
        return read(good(t, v));
    }

    List<AlarmTransition> read(SensorReading r) {
        return apply(engine.onReading(state, r));
    }

    List<AlarmTransition> at(long now) {
        return apply(engine.evaluateAt(state, now));
    }

    CommandOutcome command(AlarmCommand c) {
        lastCommand = engine.onCommand(state, c);
        state = lastCommand.state();
        events.addAll(lastCommand.transitions());
        return lastCommand;
    }

    private List<AlarmTransition> apply(RuleOutcome<SensorAlarmState> outcome) {
        state = outcome.state();
        events.addAll(outcome.transitions());
        return outcome.transitions();
    }
}
