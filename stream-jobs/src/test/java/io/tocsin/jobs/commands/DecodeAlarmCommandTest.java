package io.tocsin.jobs.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tocsin.jobs.alarms.EvaluateAlarmRules;
import io.tocsin.jobs.alarms.SensorInput;
import io.tocsin.jobs.events.FieldEventInput;
import io.tocsin.proto.v1.AlarmCommandRequest;
import io.tocsin.proto.v1.CommandType;
import io.tocsin.rules.lifecycle.AlarmCommand;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class DecodeAlarmCommandTest {

    private static AlarmCommandRequest.Builder request(CommandType type) {
        return AlarmCommandRequest.newBuilder().setCommandId("c-1").setType(type).setSiteId("park-1")
                .setSensorId("gas-01").setActor("li").setComment("why").setIssuedAtMs(5_000);
    }

    @Test
    void anAcknowledgeFindsItsSensorInTheAlarmId() {
        AlarmCommand c = DecodeAlarmCommand.toCommand(AlarmCommandRequest.newBuilder()
                .setType(CommandType.COMMAND_TYPE_ACKNOWLEDGE).setAlarmId("park-1/gas-01/gas-high/3")
                .setActor("li").setIssuedAtMs(5_000).build());

        assertThat(c).isEqualTo(new AlarmCommand(AlarmCommand.Type.ACKNOWLEDGE, "park-1", "gas-01", "gas-high",
                "park-1/gas-01/gas-high/3", "li", "", 5_000, 0));
    }

    @Test
    void aShelveNeedsItsRuleAndATypeIsRequired() {
        assertThat(DecodeAlarmCommand.toCommand(request(CommandType.COMMAND_TYPE_SHELVE).setRuleId("gas-high")
                .setShelveUntilMs(9_000).build()).untilMs()).isEqualTo(9_000);
        assertThatThrownBy(() -> DecodeAlarmCommand.toCommand(request(CommandType.COMMAND_TYPE_SHELVE).build()))
                .hasMessageContaining("rule_id");
        assertThatThrownBy(() -> DecodeAlarmCommand.toCommand(request(CommandType.COMMAND_TYPE_UNSPECIFIED).build()))
                .hasMessageContaining("type");
    }

    @Test
    void aCommandThatCannotBeUnderstoodIsAnsweredWithItsReasonAndTheJobGoesOn() throws Exception {
        try (var harness = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new DecodeAlarmCommand()))) {
            harness.open();
            harness.processElement(new byte[] {(byte) 0xff, 0x01}, 0);
            harness.processElement(request(CommandType.COMMAND_TYPE_UNSPECIFIED).build().toByteArray(), 0);
            harness.processElement(request(CommandType.COMMAND_TYPE_SUPPRESS).build().toByteArray(), 0);

            assertThat(harness.extractOutputValues()).extracting(SensorInput::commandId).containsExactly("c-1");
            assertThat(harness.getSideOutput(EvaluateAlarmRules.COMMAND_RESULTS)).extracting(StreamRecord::getValue)
                    .singleElement().satisfies(r -> {
                        assertThat(r.accepted()).isFalse();
                        assertThat(r.refusal()).contains("type");
                    });
        }
    }

    @Test
    void commandsOnFieldEventAlarmsGoToTheFieldEventStage() throws Exception {
        try (var harness = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new DecodeAlarmCommand()))) {
            harness.open();
            harness.processElement(AlarmCommandRequest.newBuilder().setCommandId("c-2")
                    .setType(CommandType.COMMAND_TYPE_ACKNOWLEDGE).setAlarmId("park-1/zone-3/event-fire/1")
                    .setActor("li").setIssuedAtMs(5_000).build().toByteArray(), 0);
            harness.processElement(request(CommandType.COMMAND_TYPE_SHELVE).setRuleId("gas-high")
                    .setShelveUntilMs(9_000).build().toByteArray(), 0);

            assertThat(harness.getSideOutput(DecodeAlarmCommand.FIELD_EVENT_COMMANDS))
                    .extracting(StreamRecord::getValue)
                    .extracting(FieldEventInput::commandId, FieldEventInput::key, i -> i.command().ruleId())
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("c-2", "park-1", "event-fire"));
            assertThat(harness.extractOutputValues()).extracting(i -> i.command().ruleId())
                    .containsExactly("gas-high");
        }
    }

    @Test
    void aSensorWideSuppressOrUnsuppressGoesToTheSensorStageAndToTheFieldEventStage() throws Exception {
        try (var harness = new OneInputStreamOperatorTestHarness<>(new ProcessOperator<>(new DecodeAlarmCommand()))) {
            harness.open();
            harness.processElement(request(CommandType.COMMAND_TYPE_SUPPRESS).setCommandId("sup").build()
                    .toByteArray(), 0);
            harness.processElement(request(CommandType.COMMAND_TYPE_UNSUPPRESS).setCommandId("unsup").build()
                    .toByteArray(), 0);
            harness.processElement(request(CommandType.COMMAND_TYPE_SUPPRESS).setCommandId("one-rule")
                    .setRuleId("gas-high").build().toByteArray(), 0);

            assertThat(harness.extractOutputValues()).extracting(SensorInput::commandId)
                    .containsExactly("sup", "unsup", "one-rule");
            assertThat(harness.getSideOutput(DecodeAlarmCommand.FIELD_EVENT_COMMANDS))
                    .extracting(StreamRecord::getValue)
                    .extracting(FieldEventInput::commandId, FieldEventInput::key, i -> i.command().sensorId())
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("sup", "park-1", "gas-01"),
                            org.assertj.core.groups.Tuple.tuple("unsup", "park-1", "gas-01"));
        }
    }
}
