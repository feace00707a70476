package io.tocsin.jobs.alarms;

import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmState;
import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.Severity;
import io.tocsin.rules.TransitionCause;

/** The rule file of the job tests: one threshold on gas sensors, and silence detection. */
final class TestRules {

    static final String VERSION = "test-1";

    static final RuleFileText GAS = new RuleFileText("test-rules.yaml", """
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
    static final RuleFileText THRESHOLD_ONLY = new RuleFileText("threshold-rules.yaml", """
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
