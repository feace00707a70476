package io.tocsin.jobs.alarms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.Severity;
import io.tocsin.rules.TransitionCause;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AlarmEventCodecTest {

    // Every field differs from its protobuf default, so a field the codec forgets cannot go unnoticed.
    private static final AlarmTransition ALARM = new AlarmTransition("park-1/gas-03/gas-high/7", "park-1", "gw-9",
            "gas-03", "gas-high", Severity.YELLOW, AlarmState.RETURNED_UNACKNOWLEDGED, 12.75, 25.5,
            1_700_000_000_123L, 1_700_000_004_567L, 7, AlarmKind.FAULT, TransitionCause.SHELVE, "2026-11-29.1",
            "duty-officer-li", "known leak", 1_700_000_600_000L, true);

    @Test
    void everyFieldGoesIntoTheProtobufEvent() {
        assertThat(AlarmEventCodec.toProto(ALARM)).isEqualTo(AlarmEvent.newBuilder()
                .setAlarmId("park-1/gas-03/gas-high/7")
                .setSiteId("park-1")
                .setDeviceId("gw-9")
                .setSensorId("gas-03")
                .setRuleId("gas-high")
                .setSeverity(io.tocsin.proto.v1.Severity.SEVERITY_YELLOW)
                .setState(io.tocsin.proto.v1.AlarmState.ALARM_STATE_RETURNED_UNACKNOWLEDGED)
                .setValue(12.75)
                .setThreshold(25.5)
                .setRaisedAtMs(1_700_000_000_123L)
                .setEventTimeMs(1_700_000_004_567L)
                .setActivation(7)
                .setKind(io.tocsin.proto.v1.AlarmKind.ALARM_KIND_FAULT)
                .setCause(io.tocsin.proto.v1.TransitionCause.TRANSITION_CAUSE_SHELVE)
                .setRuleSetVersion("2026-11-29.1")
                .setActor("duty-officer-li")
                .setComment("known leak")
                .setShelvedUntilMs(1_700_000_600_000L)
                .setFlapping(true)
                .build());
    }

    @Test
    void bytesRoundTripWithEveryField() throws Exception {
        assertThat(AlarmEventCodec.fromBytes(AlarmEventCodec.toBytes(ALARM))).isEqualTo(ALARM);
    }

    static Stream<Arguments> everySeverityAndState() {
        return Stream.of(Severity.values())
                .flatMap(severity -> Stream.of(AlarmState.values()).map(state -> Arguments.of(severity, state)));
    }

    @ParameterizedTest
    @MethodSource("everySeverityAndState")
    void everySeverityAndStateRoundTrips(Severity severity, AlarmState state) throws Exception {
        AlarmTransition alarm = new AlarmTransition("a", "s", "d", "x", "r", severity, state, 1, 2, 3, 4, 5);

        AlarmEvent event = AlarmEvent.parseFrom(AlarmEventCodec.toBytes(alarm));

        assertThat(event.getSeverity().name()).isEqualTo("SEVERITY_" + severity.name());
        assertThat(event.getState().name()).isEqualTo("ALARM_STATE_" + state.name());
        assertThat(AlarmEventCodec.fromProto(event)).isEqualTo(alarm);
    }

    @Test
    void anEventWrittenBeforeKindAndCauseExistedReadsAsAProcessAlarmDecidedByItsCondition() {
        AlarmEvent old = AlarmEventCodec.toProto(ALARM).toBuilder().clearKind().clearCause().build();

        AlarmTransition read = AlarmEventCodec.fromProto(old);

        assertThat(read.kind()).isEqualTo(AlarmKind.PROCESS);
        assertThat(read.cause()).isEqualTo(TransitionCause.CONDITION);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(TransitionCause.class)
    void everyCauseAndKindRoundTrips(TransitionCause cause) {
        for (AlarmKind kind : AlarmKind.values()) {
            AlarmTransition alarm = new AlarmTransition("a", "s", "d", "x", "r", Severity.RED, AlarmState.SHELVED,
                    1, 2, 3, 4, 5, kind, cause, "v", "", "", 0, false);
            assertThat(AlarmEventCodec.fromProto(AlarmEventCodec.toProto(alarm))).isEqualTo(alarm);
        }
    }

    @Test
    void anEventWithoutSeverityOrStateIsRefusedRatherThanGuessed() {
        AlarmEvent complete = AlarmEventCodec.toProto(ALARM);

        assertThatThrownBy(() -> AlarmEventCodec.fromProto(complete.toBuilder().clearSeverity().build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("severity");
        assertThatThrownBy(() -> AlarmEventCodec.fromProto(complete.toBuilder().setStateValue(99).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("state");
    }

    @Test
    void bytesThatAreNotAnAlarmEventAreRefused() {
        assertThatThrownBy(() -> AlarmEventCodec.fromBytes(new byte[] {(byte) 0xFF, (byte) 0xFF}))
                .isInstanceOf(InvalidProtocolBufferException.class);
    }
}
