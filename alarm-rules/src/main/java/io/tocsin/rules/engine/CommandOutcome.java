package io.tocsin.rules.engine;

import io.tocsin.rules.AlarmTransition;
import java.util.List;

/**
 * A command's result: accepted with its transitions (one per alarm it changed) and the next state, or
 * refused with a reason for the person who sent it (the state is then unchanged).
 */
public record CommandOutcome(boolean accepted, String refusal, SensorAlarmState state,
        List<AlarmTransition> transitions) {

    public CommandOutcome {
        transitions = List.copyOf(transitions);
    }

    static CommandOutcome refused(String reason, SensorAlarmState state) {
        return new CommandOutcome(false, reason, state, List.of());
    }
}
