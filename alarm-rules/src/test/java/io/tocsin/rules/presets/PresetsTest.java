package io.tocsin.rules.presets;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.rules.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PresetsTest {

    @Test
    void gbt50493LevelsAreTheStandardsMaxima() {
        assertThat(Presets.named("gbt50493-combustible-1")).get().satisfies(p -> {
            assertThat(p.setPoint()).isEqualTo(25);
            assertThat(p.maxSetPoint()).isEqualTo(25);
            assertThat(p.severity()).isEqualTo(Severity.ORANGE);
            assertThat(p.unit()).isEqualTo("%LEL");
        });
        assertThat(Presets.named("gbt50493-combustible-2").orElseThrow().maxSetPoint()).isEqualTo(50);
        assertThat(Presets.named("gbt50493-toxic-1").orElseThrow().maxSetPoint()).isEqualTo(100);
        assertThat(Presets.named("gbt50493-toxic-2").orElseThrow().severity()).isEqualTo(Severity.RED);
    }

    @ParameterizedTest
    @CsvSource({"A1,54,65", "A2,54,70", "B,69,85", "C,84,100", "D,99,115", "E,114,130", "F,129,145", "G,144,160"})
    void en54HeatClassesHaveTheirStaticResponseRange(String cls, double min, double max) {
        Preset p = Presets.named("en54-5-" + cls).orElseThrow();
        Preset r = Presets.named("en54-5-" + cls + "R").orElseThrow();

        assertThat(p.minSetPoint()).isEqualTo(min);
        assertThat(p.maxSetPoint()).isEqualTo(max);
        assertThat(p.setPoint()).isEqualTo(min);
        assertThat(p.rateOfRise()).isFalse();
        assertThat(r.rateOfRise()).isTrue();
        assertThat(r.maxSetPoint()).isEqualTo(max);
    }

    @Test
    void unknownNamesAreEmpty() {
        assertThat(Presets.named("en54-5-H")).isEmpty();
        assertThat(Presets.names()).hasSize(4 + 16);
    }
}
