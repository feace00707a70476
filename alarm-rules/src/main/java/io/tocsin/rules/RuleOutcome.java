package io.tocsin.rules;

import java.util.List;

/** What a rule decided for one reading: its next state and the transitions to emit (often none). */
public record RuleOutcome<S>(S state, List<AlarmTransition> transitions) {

    public RuleOutcome {
        // Most readings decide nothing: skip List.copyOf's type checks for the shared empty list.
        transitions = transitions.isEmpty() ? List.of() : List.copyOf(transitions);
    }

    public static <S> RuleOutcome<S> unchanged(S state) {
        return new RuleOutcome<>(state, List.of());
    }
}
