package io.tocsin.jobs.alarms;

import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.Severity;
import io.tocsin.rules.TransitionCause;

/** The rule file of the job tests: one threshold on gas sensors, and silence detection. */
public final class TestRules {

    static final String VERSION = "test-1";

    public static final RuleFileText GAS = new RuleFileText("test-rules.yaml", """
            version: "test-1"
            sensorTypes:
              gas:
                match: ["gas-*"]
                span: {min: 0, max: 100}
                rules:
                  - id: gas-high
                    kind: threshold-high
                    setPoint: 25
                    severity: ORANGE
                  - id: gas-silent
                    kind: stale
                    after: 60s
                    severity: YELLOW
            """);

    /** Only the threshold: no timers, so a bounded job ends as soon as its input does. */
    public static final RuleFileText THRESHOLD_ONLY = new RuleFileText("threshold-rules.yaml", """
            version: "test-1"
            sensorTypes:
              gas:
                match: ["gas-*"]
                rules:
                  - id: gas-high
                    kind: threshold-high
                    setPoint: 25
                    severity: ORANGE
            """);

    /** park-1: covered by station-07, escalated to station-09 then station-12; zone tank-farm votes 2 of 3. */
    public static final io.tocsin.jobs.registry.RegistryFileText REGISTRY = new io.tocsin.jobs.registry.RegistryFileText(
            "test-sites.yaml", """
            version: "reg-1"
            sites:
              park-1:
                name: Chemical park 1
                risk: MAJOR
                stations: [station-07]
                escalateTo: [station-09, station-12]
                zones:
                  tank-farm:
                    sensors: [gas-01, gas-02, gas-03]
                    vote: 2
                    severity: RED
            """);

    private TestRules() {
    }

    /** A gas-high transition decided by its condition. */
    static AlarmTransition gasHigh(String site, String sensor, long activation, AlarmState state, double value,
            long raisedAt, long eventTime) {
        return new AlarmTransition(site + "/" + sensor + "/gas-high/" + activation, site, "gw-1", sensor, "gas-high",
                Severity.ORANGE, state, value, 25.0, raisedAt, eventTime, activation, AlarmKind.PROCESS,
                TransitionCause.CONDITION, VERSION, "", "", 0, false);
    }
}
