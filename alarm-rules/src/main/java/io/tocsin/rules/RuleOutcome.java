package io.tocsin.rules;

import java.util.List;

/** What a rule decided for one reading: its next state and the transitions to emit (often none). */
public record RuleOutcome<S>(S state, List<AlarmTransition> transitions) {

    public RuleOutcome {
        transitions = List.copyOf(transitions);
    }

    public static <S> RuleOutcome<S> unchanged(S state) {
        return new RuleOutcome<>(state, List.of());
    }
}
