package io.tocsin.jobs.routing;

import io.tocsin.jobs.registry.SiteRegistry;
import io.tocsin.rules.AlarmTransition;
import java.util.List;
import java.util.Objects;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;

/**
 * The last step of each stage that decides alarms (sensor rules, gateway faults, field events): routes every
 * transition to the stations covering its site ({@link StationRouting}), logs it, counts it and emits it. The
 * stages differ only in the label of the log line ("Alarm", "Gateway fault", "Field event alarm") and in their
 * logger and counter, which they pass in.
 *
 * <p>Not serializable (it holds a logger and a metric): a stage builds it in {@code open}.
 */
public final class AlarmEmitter {

    private final Logger log;
    private final String label;
    private final String controlRoomId;
    private final Counter transitions;

    /**
     * @param log           the stage's logger, so that log lines keep naming the stage
     * @param label         what the stage's transitions are, first word(s) of the log line
     * @param controlRoomId where the alarms of a site no station covers go
     * @param transitions   the stage's counter of emitted transitions
     */
    public AlarmEmitter(Logger log, String label, String controlRoomId, Counter transitions) {
        this.log = Objects.requireNonNull(log, "log");
        this.label = Objects.requireNonNull(label, "label");
        this.controlRoomId = Objects.requireNonNull(controlRoomId, "controlRoomId");
        this.transitions = Objects.requireNonNull(transitions, "transitions");
    }

    public void emit(List<AlarmTransition> ts, SiteRegistry registry, Collector<RoutedAlarm> out) {
        for (AlarmTransition t : ts) {
            RoutedAlarm routed = StationRouting.route(t, registry, controlRoomId, "");
            // Transitions are rare and are what people act on: worth one log line each.
            log.info("{} {} {} ({} {}, {}): value {} limit {} at {} [rules {}] to {}", label, t.alarmId(), t.state(),
                    t.kind(), t.severity(), t.cause(), t.value(), t.threshold(), t.eventTimeMs(), t.ruleSetVersion(),
                    routed.stationIds());
            transitions.inc();
            out.collect(routed);
        }
    }
}
