package io.tocsin.jobs.gateways;

import io.tocsin.rules.AlarmKind;
import io.tocsin.rules.AlarmRule;
import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.SensorReading;
import io.tocsin.rules.Verdict;
import io.tocsin.rules.rate.SampleWindow;
import java.util.Objects;

/**
 * The condition "this gateway is offline", as an alarm-rules {@link AlarmRule}, so that alarm-rules' engine and
 * lifecycle (on-delay, acknowledge, shelve, suppress, flapping) decide gateway faults exactly as they decide every
 * other alarm. The gateway's connection state is fed to the engine as readings of the gateway itself:
 * {@link #OFFLINE} (1) or {@link #ONLINE} (0). The alarm id is {@code site/device/gateway-offline/activation}.
 *
 * <p>Like the silence rule ({@code StaleRule}), the event's value is how long the gateway has been offline (ms;
 * 0 on its return) and its threshold the grace (ms).
 */
public record GatewayOfflineRule(RuleCommon common) implements AlarmRule {

    /**
     * The rule id of every gateway fault. Commands naming it are routed to the gateway stage, so a rule file must
     * not use it for a sensor rule.
     */
    public static final String RULE_ID = "gateway-offline";

    public static final double OFFLINE = 1;
    public static final double ONLINE = 0;

    public GatewayOfflineRule {
        Objects.requireNonNull(common, "common");
    }

    public static GatewayOfflineRule of(GatewayFaultPolicy policy) {
        return new GatewayOfflineRule(RuleCommon.of(RULE_ID, policy.severity())
                .withDelays(policy.offlineGrace().toMillis(), 0));
    }

    @Override
    public AlarmKind kind() {
        return AlarmKind.FAULT;
    }

    @Override
    public Verdict onReading(boolean conditionOn, SensorReading reading, boolean usable, SampleWindow window) {
        return reading.value() == OFFLINE ? Verdict.ON : Verdict.OFF;
    }

    /** A connection change: 0 ms offline so far (raised at once only without grace). */
    @Override
    public double measured(SensorReading reading, SampleWindow window) {
        return 0;
    }

    /** How long since the last connection change: offline for that long when the grace runs out. */
    @Override
    public double measuredAt(long lastReadingMs, long nowMs, double lastMeasured) {
        return nowMs - lastReadingMs;
    }

    /** The grace, ms. */
    @Override
    public double limit() {
        return common.onDelayMs();
    }
}
