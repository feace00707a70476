package io.tocsin.rules.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Severity;
import io.tocsin.rules.fault.SensorFaultRule;
import io.tocsin.rules.fault.StaleRule;
import io.tocsin.rules.lifecycle.SitePolicy;
import io.tocsin.rules.rate.RateOfRiseRule;
import io.tocsin.rules.threshold.ThresholdRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.Size;

/** Invariants of the engine over generated reading sequences. */
class EnginePropertiesTest {

    /** One step of a generated history: a reading after {@code gapMs}, or (reading == false) a timer. */
    record Step(long gapMs, double value, ReadingQuality quality, boolean reading) {
    }

    @Provide
    Arbitrary<List<Step>> histories() {
        Arbitrary<Double> values = Arbitraries.oneOf(
                Arbitraries.doubles().between(-10, 110),
                Arbitraries.of(19.99, 20.0, 24.99, 25.0, 25.01, Double.NaN, 150.0));
        Arbitrary<Step> step = Combinators.combine(
                Arbitraries.longs().between(0, 90_000),
                values,
                Arbitraries.of(ReadingQuality.GOOD, ReadingQuality.GOOD, ReadingQuality.GOOD, ReadingQuality.BAD,
                        ReadingQuality.UNCERTAIN),
                Arbitraries.of(true, true, true, false)).as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(120);
    }

    private static SensorAlarmEngine fullEngine() {
        return new SensorAlarmEngine("p", List.of(
                new ThresholdRule(RuleCommon.of("gas-high-1", Severity.ORANGE).withDelays(5_000, 3_000)
                        .withFlapping(5, 120_000), ThresholdRule.Direction.HIGH, 25, 20),
                ThresholdRule.high(RuleCommon.of("gas-high-2", Severity.RED), 50),
                new RateOfRiseRule(RuleCommon.of("gas-rise", Severity.YELLOW), 5, 4, 60_000, 4, 32),
                new SensorFaultRule(RuleCommon.of("gas-fault", Severity.YELLOW), 0, 100),
                new StaleRule(RuleCommon.of("gas-silent", Severity.YELLOW), 60_000)),
                0, 100, SitePolicy.DEFAULT);
    }

    private static List<AlarmTransition> run(SensorAlarmEngine engine, List<Step> history) {
        SensorAlarmState state = null;
        List<AlarmTransition> out = new ArrayList<>();
        long t = 1_000_000;
        for (Step s : history) {
            t += s.gapMs();
            var outcome = s.reading()
                    ? engine.onReading(state, new SensorReading("p", "d", "gas-1", t, s.value(), s.quality()))
                    : engine.evaluateAt(state, t);
            state = outcome.state();
            out.addAll(outcome.transitions());
        }
        return out;
    }

    @Property(tries = 300)
    void theSameInputGivesTheSameEvents(@ForAll("histories") List<Step> history) {
        assertThat(run(fullEngine(), history)).isEqualTo(run(fullEngine(), history));
    }

    @Property(tries = 300)
    void noClearWithoutARaiseAndAtMostOneClearPerRaise(@ForAll("histories") List<Step> history) {
        Map<String, List<AlarmTransition>> byId = new LinkedHashMap<>();
        for (AlarmTransition t : run(fullEngine(), history)) {
            byId.computeIfAbsent(t.alarmId(), k -> new ArrayList<>()).add(t);
        }
        Map<String, Long> lastActivation = new LinkedHashMap<>();
        byId.forEach((id, events) -> {
            assertThat(events.get(0).state()).as("first event of %s", id).isEqualTo(AlarmState.ACTIVE_UNACKNOWLEDGED);
            long clears = events.stream().filter(e -> !e.state().isActive()).count();
            assertThat(clears).as("clears of %s: %s", id, events).isLessThanOrEqualTo(1);
            assertThat(events.get(events.size() - 1).state().isActive() || clears == 1).isTrue();
            // Activations of a rule are numbered 1, 2, 3 ... without gaps.
            AlarmTransition first = events.get(0);
            long previous = lastActivation.getOrDefault(first.ruleId(), 0L);
            assertThat(first.activation()).isEqualTo(previous + 1);
            lastActivation.put(first.ruleId(), first.activation());
        });
    }

    @Property(tries = 300)
    void faultyReadingsNeverRaiseAProcessAlarm(@ForAll("histories") List<Step> history) {
        List<Step> faulty = history.stream()
                .map(s -> new Step(s.gapMs(), s.quality() == ReadingQuality.GOOD ? 150 : s.value(), s.quality(),
                        s.reading()))
                .toList();
        assertThat(run(fullEngine(), faulty))
                .allMatch(t -> t.kind() == io.tocsin.rules.AlarmKind.FAULT, "only fault alarms");
    }

    @Property(tries = 500)
    void hysteresisNeverChattersOnASignalInsideTheBand(
            @ForAll boolean startActive,
            @ForAll @Size(max = 200) List<@DoubleRange(min = 20.0, max = 25.0, maxIncluded = false) Double> band) {
        SensorAlarmEngine engine = new SensorAlarmEngine("p", List.of(
                new ThresholdRule(RuleCommon.of("gas-high-1", Severity.ORANGE), ThresholdRule.Direction.HIGH, 25, 20)),
                Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, SitePolicy.DEFAULT);
        var state = engine.onReading(null,
                new SensorReading("p", "d", "s", 0, startActive ? 30 : 0, ReadingQuality.GOOD)).state();
        long t = 0;
        for (double v : band) {
            var outcome = engine.onReading(state, new SensorReading("p", "d", "s", t += 1_000, v, ReadingQuality.GOOD));
            assertThat(outcome.transitions()).as("value %s", v).isEmpty();
            state = outcome.state();
        }
    }
}
