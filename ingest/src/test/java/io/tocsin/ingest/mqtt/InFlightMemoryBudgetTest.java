package io.tocsin.ingest.mqtt;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InFlightMemoryBudgetTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final InFlightMemoryBudget budget = new InFlightMemoryBudget(1_000, 400, List.of(), meters);

    @Test
    void exceededAboveTheHighWaterMarkAndFreeOnlyAtTheLowOne() {
        budget.reserve(600);
        budget.reserve(400);
        assertThat(budget.exceeded()).as("1000 is the budget, not above it").isFalse();

        budget.reserve(1);
        assertThat(budget.exceeded()).isTrue();
        assertThat(meters.get(InFlightMemoryBudget.BUDGET_PAUSES).counter().count()).isEqualTo(1);

        budget.release(600);
        assertThat(budget.exceeded()).as("401 bytes: still above the low water mark").isTrue();
        budget.release(1);
        assertThat(budget.exceeded()).isFalse();
        assertThat(meters.get(InFlightMemoryBudget.IN_FLIGHT_BYTES).gauge().value()).isEqualTo(400);

        budget.reserve(601);
        assertThat(budget.exceeded()).isTrue();
        assertThat(meters.get(InFlightMemoryBudget.BUDGET_PAUSES).counter().count()).isEqualTo(2);
    }

    @Test
    void aLowWaterMarkNotBelowTheHighOneIsRefused() {
        assertThatThrownBy(() -> new InFlightMemoryBudget(100, 100, List.of(), meters))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
