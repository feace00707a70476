package io.tocsin.rules.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tocsin.rules.AlarmRule;
import io.tocsin.rules.ReadingQuality;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Severity;
import io.tocsin.rules.engine.SensorAlarmEngine;
import io.tocsin.rules.fault.SensorFaultRule;
import io.tocsin.rules.rate.RateOfRiseRule;
import io.tocsin.rules.threshold.ThresholdRule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuleFileLoaderTest {

    private static final String MINIMAL = """
            version: "7"
            sensorTypes:
              combustible-gas:
                match: ["gas-*"]
                span: {min: 0, max: 100}
                rules:
                  - id: gas-high-1
                    preset: gbt50493-combustible-1
                  - id: gas-fault
                    kind: fault
                    severity: YELLOW
            """;

    private static RuleFileException problemsOf(String yaml) {
        return catchThrowableOfType(RuleFileException.class, () -> RuleFileLoader.parse("rules.yaml", yaml));
    }

    @Test
    void theShippedRuleFileLoadsAndGivesTheDemoItsFirstLevelGasAlarm() {
        RuleSet rules = RuleFileLoader.loadDefault();
        SensorAlarmEngine gas = rules.engineFor("chem-park-1", "gas-01");

        assertThat(rules.version()).isEqualTo("2026-11-29.1");
        assertThat(gas.rules()).extracting(AlarmRule::ruleId)
                .containsExactly("gas-high-1", "gas-high-2", "gas-fault", "gas-silent");
        assertThat(gas.rules().get(0)).isEqualTo(ThresholdRule.high(
                io.tocsin.rules.RuleCommon.of("gas-high-1", Severity.ORANGE), 25));
        assertThat(rules.engineFor("chem-park-1", "heat-3").rules()).extracting(AlarmRule::ruleId)
                .containsExactly("heat-a1", "heat-a1-ror", "heat-fault", "heat-silent");
        assertThat(rules.engineFor("chem-park-1", "pump-7").isEmpty()).as("no type: no rules").isTrue();
    }

    @Test
    void siteAndSensorOverridesAndTagsApplyInThatOrder() {
        RuleSet rules = RuleFileLoader.loadDefault();

        AlarmRule siteLevel = rules.engineFor("example-plant", "gas-01").rules().get(0);
        AlarmRule sensorLevel = rules.engineFor("example-plant", "gas-tank-07").rules().get(0);

        assertThat(((ThresholdRule) siteLevel).setPoint()).isEqualTo(20);
        assertThat(siteLevel.common().onDelayMs()).isEqualTo(2_000);
        assertThat(((ThresholdRule) sensorLevel).setPoint()).isEqualTo(15);
        assertThat(sensorLevel.common().onDelayMs()).as("the site's override still applies").isEqualTo(2_000);
        assertThat(rules.engineFor("example-plant", "gas-tank-07").rules())
                .anySatisfy(r -> assertThat(r).isInstanceOf(RateOfRiseRule.class));
        assertThat(rules.engineFor("example-plant", "boiler-room-t1").rules().get(0).ruleId()).isEqualTo("heat-a1");
        assertThat(rules.policyOf("example-plant").maxShelveMs()).isEqualTo(4 * 3_600_000L);
        assertThat(rules.policyOf("chem-park-1").allowShelvingRed()).isFalse();
    }

    @Test
    void theFaultRuleAndTheEngineUseTheTypesSpan() {
        SensorAlarmEngine engine = RuleFileLoader.parse("rules.yaml", MINIMAL).engineFor("p", "gas-1");

        assertThat(engine.rules().get(1)).isEqualTo(new SensorFaultRule(
                io.tocsin.rules.RuleCommon.of("gas-fault", Severity.YELLOW), 0, 100));
        assertThat(engine.usable(new SensorReading("p", "d", "gas-1", 1, 100.5, ReadingQuality.GOOD))).isFalse();
    }

    @Test
    void everyTransitionCarriesTheRuleSetVersion() {
        SensorAlarmEngine engine = RuleFileLoader.parse("rules.yaml", MINIMAL).engineFor("p", "gas-1");

        assertThat(engine.onReading(null, new SensorReading("p", "d", "gas-1", 1, 30, ReadingQuality.GOOD))
                .transitions()).singleElement().extracting(t -> t.ruleSetVersion()).isEqualTo("7");
    }

    @Test
    void loadsFromAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("site-rules.yaml");
        Files.writeString(file, MINIMAL);
        assertThat(RuleFileLoader.load(file).source()).isEqualTo(file.toString());
    }

    @Test
    void aDelayLongerThanALongHoldsIsAProblemNotACrashNorANegativeDelay() {
        for (String delay : List.of("99999999999999999999ms", "9223372036854775807h")) {
            RuleFileException e = problemsOf(MINIMAL.replace("preset: gbt50493-combustible-1",
                    "preset: gbt50493-combustible-1\n        onDelay: " + delay));

            assertThat(e.problems()).singleElement().asString()
                    .startsWith("rules.yaml:9: sensorTypes.combustible-gas.rules[0].onDelay")
                    .contains("must be a duration");
        }
    }

    @Test
    void aNumberJavaDoesNotReadAsDecimalIsAProblemNotACrash() { // found by RuleFileFuzzTest: "0x0"
        RuleFileException e = problemsOf(MINIMAL.replace("span: {min: 0, max: 100}", "span: {min: 0x0, max: 100}"));

        assertThat(e.problems()).anySatisfy(p -> assertThat(p)
                .startsWith("rules.yaml:5: sensorTypes.combustible-gas.span.min").contains("finite decimal number"));
    }

    @Test
    void ruleIdsOfFieldEventAlarmsAreReserved() {
        RuleFileException e = problemsOf(MINIMAL.replace("id: gas-fault", "id: event-fire"));

        assertThat(e.problems()).singleElement().asString()
                .startsWith("rules.yaml:9: sensorTypes.combustible-gas.rules[1].id").contains("reserved");
    }

    @Test
    void aSetPointAboveWhatThePresetAllowsIsRefusedWithFileLineAndValidRange() {
        RuleFileException e = problemsOf(MINIMAL + """
                sites:
                  park-9:
                    overrides:
                      gas-high-1: {setPoint: 30}
                """);

        assertThat(e.problems()).singleElement().asString()
                .startsWith("rules.yaml:7: sensorTypes.combustible-gas.rules[0]")   // where the rule is defined
                .contains("overridden at rules.yaml:15: sites.park-9.overrides.gas-high-1")  // and overridden
                .contains("setPoint 30.0").contains("GB/T 50493-2019").contains("valid: 0.0 .. 25.0");
    }

    @Test
    void unknownKeysKindsPresetsAndBadValuesAreAllReportedAtOnce() {
        RuleFileException e = problemsOf("""
                version: "1"
                sensorTypes:
                  gas:
                    match: "gas-*"
                    rules:
                      - id: a
                        kind: threshold-hi
                        severity: PURPLE
                      - id: b
                        preset: gbt-50493
                      - id: c
                        kind: stale
                        after: 10 seconds
                        severity: RED
                      - id: d
                        kind: threshold-high
                        setpoint: 3
                        severity: RED
                sites:
                  park-1:
                    overrides:
                      zz: {setPoint: 1}
                    sensors:
                      gas-1: {type: heat}
                """);

        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("rules.yaml:7: sensorTypes.gas.rules[0].kind")
                .contains("threshold-high"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("rules.yaml:8:")
                .contains("PURPLE").contains("[RED, ORANGE, YELLOW, BLUE]"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("rules.yaml:10:")
                .contains("unknown preset 'gbt-50493'").contains("gbt50493-combustible-1"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("rules.yaml:13: sensorTypes.gas.rules[2].after")
                .contains("30s"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p)
                .startsWith("rules.yaml:17: sensorTypes.gas.rules[3].setpoint: unknown key").contains("setPoint"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("rules.yaml:22: sites.park-1.overrides.zz")
                .contains("no rule with id 'zz'"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("rules.yaml:24: sites.park-1.sensors.gas-1.type")
                .contains("unknown sensor type 'heat'").contains("[gas]"));
        assertThat(e.getMessage()).contains("rules.yaml has " + e.problems().size() + " problem(s)");
    }

    @Test
    void aMissingVersionOrBrokenYamlIsRefused() {
        assertThat(problemsOf("sensorTypes: {}\n").problems()).singleElement().asString()
                .contains("version: missing");
        assertThat(problemsOf("version: 1\nsensorTypes: [\n").problems()).singleElement().asString()
                .startsWith("rules.yaml: not valid YAML");
        assertThat(problemsOf("version: 1\nversion: 2\n").problems()).singleElement().asString()
                .contains("appears twice");
    }

    @Test
    void rulesNeedTheFieldsOfTheirKind() {
        RuleFileException e = problemsOf("""
                version: "1"
                sensorTypes:
                  t:
                    rules:
                      - id: r1
                        kind: rate-of-rise
                        severity: RED
                      - id: h1
                        kind: threshold-high
                        severity: RED
                        setPoint: 10
                        reset: 12
                      - kind: fault
                        severity: RED
                """);

        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("rules.yaml:5: sensorTypes.t.rules[0]").contains("risePerMinute"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("rules.yaml:8: sensorTypes.t.rules[1]").contains("at or below"));
        assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("rules.yaml:13").contains("id: missing"));
    }

    @Test
    void aMissingFileIsAnError(@TempDir Path dir) {
        assertThatThrownBy(() -> RuleFileLoader.load(dir.resolve("nope.yaml"))).hasMessageContaining("nope.yaml");
    }
}
