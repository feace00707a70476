package io.tocsin.edge.alarm;

import io.tocsin.rules.AlarmTransition;
import io.tocsin.rules.Severity;
import java.util.Objects;
import java.util.Set;

/**
 * A relay the gateway switches on while a local alarm is active: a siren or a strobe wired to a Modbus coil.
 * An output follows every alarm whose severity is in {@code severities} or whose rule is in {@code ruleIds}
 * (either set may be empty; both empty never matches, the config reader refuses that).
 *
 * @param name        for logs and metrics ("siren-hall-a")
 * @param device      the Modbus device (its {@code name} under a modbus-tcp/modbus-rtu driver) owning the coil
 * @param coilAddress zero-based coil address
 */
public record AlarmOutput(String name, Set<Severity> severities, Set<String> ruleIds, String device,
                          int coilAddress) {

    public AlarmOutput {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(device, "device");
        severities = Set.copyOf(severities);
        ruleIds = Set.copyOf(ruleIds);
        if (severities.isEmpty() && ruleIds.isEmpty()) {
            throw new IllegalArgumentException("output " + name + " follows no severity and no rule");
        }
    }

    boolean follows(AlarmTransition alarm) {
        return severities.contains(alarm.severity()) || ruleIds.contains(alarm.ruleId());
    }
}
