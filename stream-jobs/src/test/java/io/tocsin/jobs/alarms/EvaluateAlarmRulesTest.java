package io.tocsin.jobs.alarms;

import static io.tocsin.jobs.alarms.TestRules.gasHigh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
import java.util.List;
import io.tocsin.jobs.registry.RegistryEntry;
import io.tocsin.jobs.routing.RoutedAlarm;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EvaluateAlarmRulesTest {

    private KeyedBroadcastOperatorTestHarness<String, SensorInput, RegistryEntry, RoutedAlarm> harness;

    @BeforeEach
    void openHarness() throws Exception {
        harness = newHarness();
        harness.open();
    }

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    private static KeyedBroadcastOperatorTestHarness<String, SensorInput, RegistryEntry, RoutedAlarm> newHarness()
            throws Exception {
        return Harnesses.keyed(new EvaluateAlarmRules(TestRules.GAS), SensorInput::siteId);
    }

    private static List<AlarmTransition> transitions(
            KeyedBroadcastOperatorTestHarness<String, SensorInput, RegistryEntry, RoutedAlarm> h) {
        return h.extractOutputValues().stream().map(RoutedAlarm::transition).toList();
    }

    private static SensorReading reading(String site, String sensor, long t, double value) {
        return new SensorReading(site, "gw-1", sensor, t, value, ReadingQuality.GOOD);
    }

    private static void feed(KeyedBroadcastOperatorTestHarness<String, SensorInput, RegistryEntry, RoutedAlarm> h,
            SensorReading... readings) throws Exception {
        for (SensorReading r : readings) {
            h.processElement(SensorInput.of(r), r.timestampMs());
        }
    }

    @Test
    void raisesOnceWhileOverReturnsAndNumbersTheNextActivation() throws Exception {
        feed(harness,
                reading("park-1", "gas-03", 1_000, 10),
                reading("park-1", "gas-03", 2_000, 30),   // raise, activation 1
                reading("park-1", "gas-03", 3_000, 40),   // still over: nothing
                reading("park-1", "gas-03", 4_000, 5),    // return of activation 1
                reading("park-1", "gas-03", 5_000, 25));  // exactly the threshold: activation 2

        assertThat(transitions(harness)).containsExactly(
                gasHigh("park-1", "gas-03", 1, AlarmState.ACTIVE_UNACKNOWLEDGED, 30, 2_000, 2_000),
                gasHigh("park-1", "gas-03", 1, AlarmState.RETURNED_UNACKNOWLEDGED, 5, 2_000, 4_000),
                gasHigh("park-1", "gas-03", 2, AlarmState.ACTIVE_UNACKNOWLEDGED, 25, 5_000, 5_000));
    }

    @Test
    void eachSensorOfEachSiteHasItsOwnStateAndSensorsWithoutRulesNone() throws Exception {
        feed(harness,
                reading("park-1", "gas-03", 1_000, 30),   // raise park-1/gas-03
                reading("park-1", "gas-04", 1_000, 10),   // quiet
                reading("park-2", "gas-03", 1_500, 50),   // same sensor id, other site: its own activation 1
                reading("park-1", "pump-1", 1_500, 99),   // no sensor type matches: no rules
                reading("park-1", "gas-03", 2_000, 1),    // returns park-1/gas-03 only
                reading("park-2", "gas-03", 2_500, 60));  // park-2/gas-03 still active: nothing

        assertThat(transitions(harness))
                .extracting(AlarmTransition::alarmId, AlarmTransition::state)
                .containsExactly(
                        tuple("park-1/gas-03/gas-high/1", AlarmState.ACTIVE_UNACKNOWLEDGED),
                        tuple("park-2/gas-03/gas-high/1", AlarmState.ACTIVE_UNACKNOWLEDGED),
                        tuple("park-1/gas-03/gas-high/1", AlarmState.RETURNED_UNACKNOWLEDGED));
        // Three sensors with rules, each with its silence deadline; one timer per site (park-1, park-2) for them.
        assertThat(harness.numProcessingTimeTimers()).as("one timer per site").isEqualTo(2);
    }

    @Test
    void readingsThatCannotBeTrustedNeverDecideTheGasAlarm() throws Exception {
        feed(harness, reading("park-1", "gas-03", 1_000, 30));
        feed(harness, new SensorReading("park-1", "gw-1", "gas-03", 2_000, 0, ReadingQuality.BAD),
                new SensorReading("park-1", "gw-1", "gas-04", 2_000, 99, ReadingQuality.UNCERTAIN));
        feed(harness, reading("park-1", "gas-04", 3_000, 180));   // out of span

        assertThat(transitions(harness)).singleElement()
                .extracting(AlarmTransition::state).isEqualTo(AlarmState.ACTIVE_UNACKNOWLEDGED);
    }

    @Test
    void aSilentSensorRaisesAFaultOnItsOwnClockAndTheNextReadingClearsIt() throws Exception {
        // The gateway's clock says 1 000 000 when the task's processing time is 0: the offset must not matter.
        harness.setProcessingTime(0);
        feed(harness, reading("park-1", "gas-03", 1_000_000, 3));

        harness.setProcessingTime(59_999);
        assertThat(transitions(harness)).isEmpty();
        harness.setProcessingTime(60_000);
        assertThat(transitions(harness)).singleElement().satisfies(t -> {
            assertThat(t.alarmId()).isEqualTo("park-1/gas-03/gas-silent/1");
            assertThat(t.kind()).isEqualTo(AlarmKind.FAULT);
            assertThat(t.state()).isEqualTo(AlarmState.ACTIVE_UNACKNOWLEDGED);
            assertThat(t.eventTimeMs()).as("on the sensor's clock").isEqualTo(1_060_000);
        });
        assertThat(harness.numProcessingTimeTimers()).isZero();

        harness.setProcessingTime(90_000);
        feed(harness, reading("park-1", "gas-03", 1_090_000, 3));
        assertThat(transitions(harness)).last()
                .extracting(AlarmTransition::state).isEqualTo(AlarmState.RETURNED_UNACKNOWLEDGED);
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
    }

    @Test
    void aSensorThatKeepsReportingKeepsOneTimerAndNeverGoesStale() throws Exception {
        for (long p = 0; p <= 300_000; p += 20_000) {
            harness.setProcessingTime(p);
            feed(harness, reading("park-1", "gas-03", 5_000_000 + p, 3));
            assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
        }
        harness.setProcessingTime(350_000);

        assertThat(transitions(harness)).isEmpty();
    }

    @Test
    void aSilenceTimerSetEarlierThanNeededFiresHarmlesslyAndTheSilenceIsStillCaughtOnTime() throws Exception {
        for (long p = 0; p <= 30_000; p += 10_000) {   // the timer stays at 60 s, set by the first reading
            harness.setProcessingTime(p);
            feed(harness, reading("park-1", "gas-03", 2_000_000 + p, 3));
        }
        harness.setProcessingTime(60_000);              // early: the last reading is only 30 s old
        assertThat(transitions(harness)).isEmpty();
        assertThat(harness.numProcessingTimeTimers()).as("set again, for 60 s after the last reading").isEqualTo(1);

        harness.setProcessingTime(89_999);
        assertThat(transitions(harness)).isEmpty();
        harness.setProcessingTime(90_000);
        assertThat(transitions(harness)).singleElement().satisfies(t -> {
            assertThat(t.alarmId()).isEqualTo("park-1/gas-03/gas-silent/1");
            assertThat(t.eventTimeMs()).isEqualTo(2_090_000);
        });
    }

    @Test
    void restoredStateKeepsTheActivationCountSoAReplayGivesTheSameIds() throws Exception {
        feed(harness,
                reading("park-1", "gas-03", 1_000, 30),
                reading("park-1", "gas-03", 2_000, 5));
        OperatorSubtaskState checkpoint = harness.snapshot(1L, 2_000L);

        SensorReading[] afterCheckpoint = {
                reading("park-1", "gas-03", 3_000, 31),
                reading("park-1", "gas-03", 4_000, 2),
                reading("park-2", "gas-03", 4_500, 70)};
        harness.getOutput().clear();
        feed(harness, afterCheckpoint);
        List<AlarmTransition> beforeCrash = transitions(harness);

        List<AlarmTransition> afterRestore;
        try (var restored = newHarness()) {
            restored.initializeState(checkpoint);
            restored.open();
            feed(restored, afterCheckpoint);
            afterRestore = transitions(restored);
        }
        List<AlarmTransition> withoutState;
        try (var fresh = newHarness()) {
            fresh.open();
            feed(fresh, afterCheckpoint);
            withoutState = transitions(fresh);
        }

        assertThat(afterRestore).isEqualTo(beforeCrash);
        assertThat(afterRestore).extracting(AlarmTransition::alarmId).containsExactly(
                "park-1/gas-03/gas-high/2", "park-1/gas-03/gas-high/2", "park-2/gas-03/gas-high/1");
        // Control: without the restored state the same readings would get other ids.
        assertThat(withoutState).extracting(AlarmTransition::alarmId).startsWith("park-1/gas-03/gas-high/1");
    }

    // ---- keyed by site: batches, per-sensor deadlines under one site timer, restore, commands ----

    /** gas-* silent after 60 s ({@link TestRules#GAS}), heat-* after 20 s: two silence times on one site. */
    private static final RuleFileText TWO_SILENCES = new RuleFileText("two-silences.yaml", TestRules.GAS.yaml() + """
              heat:
                match: ["heat-*"]
                rules:
                  - id: heat-silent
                    kind: stale
                    after: 20s
                    severity: YELLOW
            """);

    private static SensorInput batch(String site, String device, SensorReading... readings) {
        return SensorInput.batch(site, device, List.of(readings));
    }

    private static SensorReading reading(String site, String device, String sensor, long t, double value) {
        return new SensorReading(site, device, sensor, t, value, ReadingQuality.GOOD);
    }

    @Test
    void aBatchOfSeveralSensorsOfOneSiteRaisesEachSensorsAlarmInTheBatchsOrder() throws Exception {
        SensorInput b = batch("park-1", "gw-1",
                reading("park-1", "gas-01", 1_000, 30),
                reading("park-1", "gas-02", 1_000, 10),
                reading("park-1", "gas-03", 1_000, 40),
                reading("park-1", "pump-1", 1_000, 99),   // no rules
                reading("park-1", "gas-01", 2_000, 2),    // the same sensor again: returns
                reading("park-1", "gas-02", 2_000, 26));
        harness.processElement(b, b.timestampMs());

        assertThat(transitions(harness))
                .extracting(AlarmTransition::alarmId, AlarmTransition::state, AlarmTransition::value)
                .containsExactly(
                        tuple("park-1/gas-01/gas-high/1", AlarmState.ACTIVE_UNACKNOWLEDGED, 30.0),
                        tuple("park-1/gas-03/gas-high/1", AlarmState.ACTIVE_UNACKNOWLEDGED, 40.0),
                        tuple("park-1/gas-01/gas-high/1", AlarmState.RETURNED_UNACKNOWLEDGED, 2.0),
                        tuple("park-1/gas-02/gas-high/1", AlarmState.ACTIVE_UNACKNOWLEDGED, 26.0));
        assertThat(harness.numProcessingTimeTimers()).as("one timer for the site's three deadlines").isEqualTo(1);
    }

    @Test
    void twoSensorsOfOneSiteWithDifferentSilenceTimesEachGoStaleAtItsOwnTimeOnItsOwnClock() throws Exception {
        try (var h = Harnesses.keyed(new EvaluateAlarmRules(TWO_SILENCES), SensorInput::siteId)) {
            h.open();
            // Two gateways of one site whose clocks differ by a million seconds; each sensor keeps its own offset.
            h.setProcessingTime(0);
            h.processElement(batch("park-1", "gw-1", reading("park-1", "gw-1", "gas-01", 1_000_000, 3)), 1_000_000);
            h.setProcessingTime(5_000);
            h.processElement(batch("park-1", "gw-2", reading("park-1", "gw-2", "heat-01", 2_000_005_000L, 21)),
                    2_000_005_000L);
            assertThat(h.numProcessingTimeTimers()).as("one timer for the site").isEqualTo(1);

            h.setProcessingTime(24_999);
            assertThat(transitions(h)).isEmpty();
            h.setProcessingTime(25_000);   // heat-01: 20 s after its reading at 5 s
            assertThat(transitions(h)).singleElement().satisfies(t -> {
                assertThat(t.alarmId()).isEqualTo("park-1/heat-01/heat-silent/1");
                assertThat(t.eventTimeMs()).as("on heat-01's clock").isEqualTo(2_000_025_000L);
            });
            assertThat(h.numProcessingTimeTimers()).as("the next timer, for gas-01").isEqualTo(1);

            h.setProcessingTime(59_999);
            assertThat(transitions(h)).hasSize(1);
            h.setProcessingTime(60_000);   // gas-01: 60 s after its reading at 0
            assertThat(transitions(h)).hasSize(2).last().satisfies(t -> {
                assertThat(t.alarmId()).isEqualTo("park-1/gas-01/gas-silent/1");
                assertThat(t.eventTimeMs()).as("on gas-01's clock").isEqualTo(1_060_000);
            });
            assertThat(h.numProcessingTimeTimers()).as("nothing left to wait for").isZero();
        }
    }

    @Test
    void aSiteTimerThatFiresBeforeOneSensorIsDueLeavesItAloneAndWaitsForItsDeadline() throws Exception {
        try (var h = Harnesses.keyed(new EvaluateAlarmRules(TWO_SILENCES), SensorInput::siteId)) {
            h.open();
            h.setProcessingTime(0);
            h.processElement(batch("park-1", "gw-1", reading("park-1", "gw-1", "heat-01", 0, 21),
                    reading("park-1", "gw-1", "gas-01", 0, 3)), 0);
            for (long p = 10_000; p <= 50_000; p += 10_000) {   // heat-01 keeps reporting, gas-01 is silent
                h.setProcessingTime(p);
                h.processElement(batch("park-1", "gw-1", reading("park-1", "gw-1", "heat-01", p, 21)), p);
            }
            h.setProcessingTime(59_999);
            assertThat(transitions(h)).as("the timer at 20 s found nothing due").isEmpty();
            h.setProcessingTime(60_000);

            assertThat(transitions(h)).extracting(AlarmTransition::alarmId)
                    .containsExactly("park-1/gas-01/gas-silent/1");
            assertThat(h.numProcessingTimeTimers()).as("heat-01's deadline at 70 s").isEqualTo(1);
        }
    }

    @Test
    void aSnapshotRestoredIntoANewHarnessStillFiresThePendingDeadlines() throws Exception {
        harness.setProcessingTime(0);
        harness.processElement(batch("park-1", "gw-1", reading("park-1", "gas-01", 1_000_000, 3),
                reading("park-1", "gas-02", 1_000_000, 30)), 1_000_000);
        harness.setProcessingTime(10_000);
        harness.processElement(batch("park-1", "gw-1", reading("park-1", "gas-02", 1_010_000, 31)), 1_010_000);
        OperatorSubtaskState checkpoint = harness.snapshot(1L, 10_000L);

        try (var restored = newHarness()) {
            restored.setProcessingTime(10_000);
            restored.initializeState(checkpoint);
            restored.open();
            assertThat(restored.numProcessingTimeTimers()).as("the site's timer came back").isEqualTo(1);

            restored.setProcessingTime(60_000);
            assertThat(transitions(restored)).extracting(AlarmTransition::alarmId)
                    .containsExactly("park-1/gas-01/gas-silent/1");
            restored.setProcessingTime(70_000);
            assertThat(transitions(restored)).extracting(AlarmTransition::alarmId)
                    .containsExactly("park-1/gas-01/gas-silent/1", "park-1/gas-02/gas-silent/1");
            // The restored state knows gas-02's activation: its next crossing is activation 2.
            restored.processElement(batch("park-1", "gw-1", reading("park-1", "gas-02", 1_080_000, 2),
                    reading("park-1", "gas-02", 1_081_000, 40)), 1_081_000);
            assertThat(transitions(restored)).extracting(AlarmTransition::alarmId)
                    .contains("park-1/gas-02/gas-high/2");
        }
    }

    @Test
    void aCommandOnOneSensorMovesTheSiteTimerEarlierWithoutLosingAnotherSensorsDeadline() throws Exception {
        harness.setProcessingTime(0);
        harness.processElement(batch("park-1", "gw-1", reading("park-1", "gas-01", 1_000, 3),
                reading("park-1", "gas-02", 1_000, 30)), 1_000);   // both silent at 60 s; gas-02 raised
        harness.setProcessingTime(5_000);
        harness.processElement(SensorInput.of("c-1", io.tocsin.rules.lifecycle.AlarmCommand.shelve("park-1", "gas-02",
                "gas-high", "li", 6_000, 21_000, "calibration")), 6_000);
        assertThat(harness.numProcessingTimeTimers()).as("still one timer for the site").isEqualTo(1);
        assertThat(harness.getSideOutput(EvaluateAlarmRules.COMMAND_RESULTS)).extracting(r -> r.getValue().accepted())
                .containsExactly(true);

        harness.setProcessingTime(19_999);
        assertThat(transitions(harness)).extracting(AlarmTransition::cause)
                .containsExactly(io.tocsin.rules.TransitionCause.CONDITION, io.tocsin.rules.TransitionCause.SHELVE);
        harness.setProcessingTime(20_000);   // the shelve ends at 21 000 on gas-02's clock
        assertThat(transitions(harness)).last().satisfies(t -> {
            assertThat(t.alarmId()).isEqualTo("park-1/gas-02/gas-high/1");
            assertThat(t.cause()).isEqualTo(io.tocsin.rules.TransitionCause.SHELVE_EXPIRED);
        });
        assertThat(harness.numProcessingTimeTimers()).as("the silences are still pending").isEqualTo(1);

        harness.setProcessingTime(60_000);
        List<AlarmTransition> all = transitions(harness);
        assertThat(all.subList(all.size() - 2, all.size())).extracting(AlarmTransition::alarmId)
                .as("due at the same time: in no particular order")
                .containsExactlyInAnyOrder("park-1/gas-01/gas-silent/1", "park-1/gas-02/gas-silent/1");
    }

    /**
     * The one-object clock of every reading ({@code SensorClock.forReading}) is the clock {@code withDeadline} gives
     * a new one, skew included.
     */
    @Test
    void aFreshClockCarriesTheSameDeadlineAsWithDeadline() {
        io.tocsin.rules.engine.SensorAlarmEngine engine = io.tocsin.rules.config.RuleFileLoader.loadDefault()
                .engineFor("example-plant", "gas-tank-07");
        // The gateway's clock is 5 s behind the task's: the deadline is on the sensor's clock.
        long readingTime = 1_790_000_000_000L;
        long arrival = readingTime + 5_000;
        io.tocsin.rules.engine.SensorAlarmState state = engine.onReading(null, new SensorReading("example-plant",
                "gw-1", "gas-tank-07", readingTime, 40, ReadingQuality.GOOD)).state();

        SensorClock fresh = SensorClock.forReading(readingTime, arrival, engine.nextDeadline(state));

        assertThat(fresh).isEqualTo(new SensorClock(readingTime, arrival, SensorClock.NO_TIMER)
                .withDeadline(engine.nextDeadline(state)));
        assertThat(fresh.timerAtMs()).isEqualTo(arrival + (engine.nextDeadline(state) - readingTime))
                .isNotEqualTo(SensorClock.NO_TIMER);
    }
}
