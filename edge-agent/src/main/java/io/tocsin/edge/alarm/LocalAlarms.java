package io.tocsin.edge.alarm;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tocsin.rules.events.FieldEvent;
import io.tocsin.edge.driver.Events;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.RuleOutcome;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.config.RuleSet;
import io.tocsin.rules.engine.SensorAlarmEngine;
import io.tocsin.rules.engine.SensorAlarmState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The platform's alarm rules ({@code alarm-rules}, the same engine the Flink job runs), evaluated on the
 * gateway so that a site still hears its siren when the city platform is unreachable.
 *
 * <p>Called on the agent's polling thread with every tick's readings, before they are buffered: an alarm
 * never waits for the disk or the uplink. Each transition becomes an event reading for the urgent lane
 * ({@link #eventOf}); each {@link AlarmOutput} relay is kept switched on while an alarm it follows is active
 * (the condition is present), and off otherwise. A write the device did not confirm is tried again on a
 * later tick, at most once a second, so a dead relay cannot hog its bus.
 *
 * <p>Local alarms are decided from the gateway's clock and readings only; the platform decides its own from
 * the same readings. Operators acknowledge on the platform; there is no local acknowledge.
 */
public final class LocalAlarms {

    private static final Logger log = LoggerFactory.getLogger(LocalAlarms.class);
    private static final long OUTPUT_RETRY_MS = 1_000;

    private final String siteId;
    private final String deviceId;
    private final RuleSet rules;
    private final List<AlarmOutput> outputs;
    private final CoilWriter coils;
    private final MeterRegistry meters;
    private final Map<String, SensorAlarmState> states = new HashMap<>();
    /** Alarms currently active, by sensor/rule: what the outputs follow. */
    private final Map<String, AlarmTransition> active = new LinkedHashMap<>();
    private final Map<AlarmOutput, OutputState> outputStates = new LinkedHashMap<>();
    private final Counter outputFailures;

    /** What the agent knows about one relay: what the device confirmed and whether a write is under way. */
    private static final class OutputState {
        volatile Boolean confirmed; // null: never written since start
        volatile boolean writing;
        volatile long retryAtMs;
    }

    public LocalAlarms(String siteId, String deviceId, RuleSet rules, List<AlarmOutput> outputs, CoilWriter coils,
                       MeterRegistry meters) {
        this.siteId = siteId;
        this.deviceId = deviceId;
        this.rules = rules;
        this.outputs = List.copyOf(outputs);
        this.coils = coils;
        this.meters = meters;
        for (AlarmOutput output : this.outputs) {
            outputStates.put(output, new OutputState());
        }
        this.outputFailures = meters.counter("tocsin.edge.local.output.failures");
    }

    /** Version of the rule file in force (carried by every local alarm). */
    public String rulesVersion() {
        return rules.version();
    }

    /**
     * A copy that uses {@code newRules}, {@code newOutputs} and {@code newCoils} but keeps every sensor's alarm
     * state (the engine matches states to rules by rule id): a pushed configuration does not re-raise or forget
     * alarms that are active. Relays are rewritten on the next tick.
     */
    public synchronized LocalAlarms reconfigured(RuleSet newRules, List<AlarmOutput> newOutputs, CoilWriter newCoils) {
        LocalAlarms next = new LocalAlarms(siteId, deviceId, newRules, newOutputs, newCoils, meters);
        next.states.putAll(states);
        next.active.putAll(active);
        return next;
    }

    /**
     * Evaluates one tick: every reading (events excluded) through its sensor's rules, then the passing of time
     * (silent sensors, on/off delays) up to {@code nowMs}; then drives the outputs.
     *
     * @return the event readings of the transitions, for the urgent lane
     */
    public synchronized List<Reading> evaluate(List<Reading> polled, long nowMs) {
        List<Reading> events = new ArrayList<>();
        for (Reading reading : polled) {
            if (Events.isEvent(reading) || reading.getSensorId().isEmpty()) {
                continue;
            }
            SensorAlarmEngine engine = rules.engineFor(siteId, reading.getSensorId());
            if (engine.isEmpty()) {
                continue;
            }
            RuleOutcome<SensorAlarmState> out = engine.onReading(states.get(reading.getSensorId()),
                    new SensorReading(siteId, deviceId, reading.getSensorId(), reading.getTimestampMs(),
                            reading.getValue(), qualityOf(reading.getQuality())));
            states.put(reading.getSensorId(), out.state());
            record(out.transitions(), events);
        }
        for (Map.Entry<String, SensorAlarmState> entry : states.entrySet()) {
            SensorAlarmEngine engine = rules.engineFor(siteId, entry.getKey());
            if (engine.nextDeadline(entry.getValue()) <= nowMs) {
                RuleOutcome<SensorAlarmState> out = engine.evaluateAt(entry.getValue(), nowMs);
                entry.setValue(out.state());
                record(out.transitions(), events);
            }
        }
        driveOutputs(nowMs);
        return events;
    }

    private void record(List<AlarmTransition> transitions, List<Reading> events) {
        for (AlarmTransition t : transitions) {
            String key = t.sensorId() + "/" + t.ruleId();
            if (t.state().isActive()) {
                active.put(key, t);
            } else {
                active.remove(key);
            }
            log.warn("Local alarm {} {} {} ({} {} limit {}, rules {})", t.alarmId(), t.severity(), t.state(),
                    t.sensorId(), t.value(), t.threshold(), t.ruleSetVersion());
            meters.counter("tocsin.edge.local.alarms", "severity", t.severity().name(), "state", t.state().name())
                    .increment();
            events.add(eventOf(t));
        }
    }

    /**
     * A transition as an event reading (until the wire format has an alarm message of its own): sensor id
     * {@code sensor/rule/activation} (the alarm id without the site, which the batch carries), unit
     * {@code event:alarm}, value 1 while the alarm is active and 0 otherwise, time of the transition.
     */
    public static Reading eventOf(AlarmTransition t) {
        return Events.event(t.sensorId() + "/" + t.ruleId() + "/" + t.activation(), FieldEvent.ALARM,
                t.eventTimeMs(), t.state().isActive());
    }

    private void driveOutputs(long nowMs) {
        for (Map.Entry<AlarmOutput, OutputState> entry : outputStates.entrySet()) {
            AlarmOutput output = entry.getKey();
            OutputState state = entry.getValue();
            boolean wanted = active.values().stream().anyMatch(output::follows);
            if (state.writing || Boolean.valueOf(wanted).equals(state.confirmed) || nowMs < state.retryAtMs) {
                continue;
            }
            state.writing = true;
            coils.writeCoil(output.device(), output.coilAddress(), wanted).whenComplete((ok, failure) -> {
                if (failure == null) {
                    state.confirmed = wanted;
                    log.info("Local output {} ({} coil {}) switched {}", output.name(), output.device(),
                            output.coilAddress(), wanted ? "ON" : "off");
                } else {
                    outputFailures.increment();
                    state.retryAtMs = nowMs + OUTPUT_RETRY_MS;
                    log.error("Local output {} ({} coil {}) could not be switched {}: {}", output.name(),
                            output.device(), output.coilAddress(), wanted ? "ON" : "off", failure.toString());
                }
                state.writing = false;
            });
        }
    }

    /** Alarms active now, by {@code sensor/rule}. */
    public synchronized Map<String, AlarmTransition> activeAlarms() {
        return Map.copyOf(active);
    }

    /** Whether the device confirmed the output's relay on (false also when never written). */
    public boolean outputOn(String outputName) {
        return outputStates.entrySet().stream().anyMatch(e -> e.getKey().name().equals(outputName)
                && Boolean.TRUE.equals(e.getValue().confirmed));
    }

    static ReadingQuality qualityOf(Quality quality) {
        // As the platform's decoder does: only explicit GOOD may raise or clear a process alarm.
        return switch (quality) {
            case QUALITY_GOOD -> ReadingQuality.GOOD;
            case QUALITY_BAD -> ReadingQuality.BAD;
            default -> ReadingQuality.UNCERTAIN;
        };
    }
}
