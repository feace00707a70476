package io.tocsin.jobs.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.tocsin.rules.lifecycle.AlarmCommand;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The merge of the two stages' answers to a sensor-wide suppress or unsuppress, in an operator harness. */
class MergeSensorWideResultsTest {

    private static final AlarmCommand SUPPRESS = AlarmCommand.suppress("park-1", "zone-3", "li", 1_000, "maintenance");

    private KeyedTwoInputStreamOperatorTestHarness<String, CommandResult, CommandResult, CommandResult> harness;

    @BeforeEach
    void open() throws Exception {
        harness = restore(null);
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, CommandResult, CommandResult, CommandResult> restore(
            OperatorSubtaskState snapshot) throws Exception {
        var h = new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(
                new MergeSensorWideResults()), MergeSensorWideResults::keyOf, MergeSensorWideResults::keyOf,
                Types.STRING);
        if (snapshot != null) {
            h.initializeState(snapshot);
        }
        h.open();
        return h;
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private static CommandResult accepted(String id, long at) {
        return CommandResult.accepted(id, SUPPRESS, at);
    }

    private static CommandResult refused(String id, String reason, long at) {
        return CommandResult.refused(id, SUPPRESS, reason, at);
    }

    private void rulePart(CommandResult r) throws Exception {
        harness.processElement1(r, r.decidedAtMs());
    }

    private void fieldEventPart(CommandResult r) throws Exception {
        harness.processElement2(r, r.decidedAtMs());
    }

    @Test
    void eachCommandGetsOneResultWhenBothPartsArrivedInEitherOrderAcceptedIfEitherPartWas() throws Exception {
        rulePart(refused("c-1", "unknown alarm: park-1/zone-3 is neither a sensor with alarm rules nor a zone", 10));
        assertThat(harness.extractOutputValues()).isEmpty();             // waits for the other part
        fieldEventPart(accepted("c-2", 11));
        fieldEventPart(accepted("c-1", 12));
        rulePart(accepted("c-2", 13));
        fieldEventPart(accepted("c-3", 14));
        rulePart(accepted("c-3", 15));

        assertThat(harness.extractOutputValues()).extracting(CommandResult::commandId, CommandResult::accepted,
                        CommandResult::refusal, CommandResult::decidedAtMs)
                .containsExactly(tuple("c-1", true, "", 12L), tuple("c-2", true, "", 13L), tuple("c-3", true, "", 15L));
        assertThat(harness.extractOutputValues().get(0)).satisfies(r -> {
            assertThat(r.siteId()).isEqualTo("park-1");
            assertThat(r.sensorId()).isEqualTo("zone-3");
            assertThat(r.type()).isEqualTo(AlarmCommand.Type.SUPPRESS);
            assertThat(r.actor()).isEqualTo("li");
        });
    }

    @Test
    void aCommandBothStagesRefusedIsRefusedWithBothReasonsOrOnceIfTheyAreTheSame() throws Exception {
        rulePart(refused("c-1", "the alarm is not suppressed (it is NORMAL)", 10));
        fieldEventPart(refused("c-1", "the field events of park-1/gas-05 are not suppressed", 11));
        rulePart(refused("c-2", "a SUPPRESS must say why", 12));
        fieldEventPart(refused("c-2", "a SUPPRESS must say why", 12));

        assertThat(harness.extractOutputValues()).extracting(CommandResult::commandId, CommandResult::accepted,
                        CommandResult::refusal)
                .containsExactly(
                        tuple("c-1", false, "sensor rules: the alarm is not suppressed (it is NORMAL); field events:"
                                + " the field events of park-1/gas-05 are not suppressed"),
                        tuple("c-2", false, "a SUPPRESS must say why"));
    }

    @Test
    void aReusedCommandIdIsPairedInOrderSoEachCommandStillGetsOneResult() throws Exception {
        rulePart(accepted("c-1", 10));
        rulePart(refused("c-1", "the alarm is already suppressed", 20));
        fieldEventPart(refused("c-1", "the field events of park-1/zone-3 are already suppressed", 21));
        fieldEventPart(refused("c-1", "the field events of park-1/zone-3 are already suppressed", 22));

        assertThat(harness.extractOutputValues()).extracting(CommandResult::accepted, CommandResult::decidedAtMs)
                .containsExactly(tuple(true, 21L), tuple(false, 22L));
    }

    @Test
    void theSameCommandIdForAnotherSensorIsAnotherCommand() throws Exception {
        AlarmCommand otherSensor = AlarmCommand.suppress("park-1", "gas-05", "eve", 1_000, "recalibration");
        rulePart(accepted("c-1", 10));
        fieldEventPart(CommandResult.refused("c-1", otherSensor, "already suppressed", 11));
        rulePart(CommandResult.refused("c-1", otherSensor, "unknown alarm", 12));
        fieldEventPart(refused("c-1", "the field events of park-1/zone-3 are already suppressed", 13));

        assertThat(harness.extractOutputValues()).extracting(CommandResult::sensorId, CommandResult::accepted,
                        CommandResult::actor)
                .containsExactly(tuple("gas-05", false, "eve"), tuple("zone-3", true, "li"));
    }

    @Test
    void aPartWaitingAtACheckpointIsMergedWithItsOtherPartAfterTheRestore() throws Exception {
        fieldEventPart(accepted("c-1", 10));
        OperatorSubtaskState snapshot = harness.snapshot(1, 10);
        harness.close();

        harness = restore(snapshot);
        rulePart(refused("c-1", "unknown alarm", 11));

        assertThat(harness.extractOutputValues()).extracting(CommandResult::commandId, CommandResult::accepted)
                .containsExactly(tuple("c-1", true));
    }

    @Test
    void aPartLeftAloneIsTheAnswerAfterTheTimeoutAndItsOtherPartComingLateIsDropped() throws Exception {
        harness.setProcessingTime(1_000);
        rulePart(accepted("c-1", 10));
        fieldEventPart(refused("c-2", "the field events of park-1/zone-3 are already suppressed", 11));
        harness.setProcessingTime(1_000 + MergeSensorWideResults.PART_TIMEOUT.toMillis() - 1);
        assertThat(harness.extractOutputValues()).isEmpty();

        harness.setProcessingTime(1_000 + MergeSensorWideResults.PART_TIMEOUT.toMillis());

        assertThat(harness.extractOutputValues()).extracting(CommandResult::commandId, CommandResult::accepted,
                        CommandResult::refusal)
                .containsExactlyInAnyOrder(tuple("c-1", true, ""), tuple("c-2", false,
                        "the field events of park-1/zone-3 are already suppressed; the sensor rules stage did not answer"));

        // The missing parts after all: dropped, not paired with the next command of the same id.
        fieldEventPart(refused("c-1", "late", 40_000));
        rulePart(refused("c-2", "late", 40_001));
        rulePart(accepted("c-1", 40_002));
        fieldEventPart(accepted("c-1", 40_003));
        assertThat(harness.extractOutputValues()).hasSize(3);
        assertThat(harness.extractOutputValues().get(2)).extracting(CommandResult::commandId,
                CommandResult::accepted, CommandResult::decidedAtMs).containsExactly("c-1", true, 40_003L);
    }
}
