package io.tocsin.jobs.gateways;

import io.tocsin.rules.Severity;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * How a gateway going offline is annunciated.
 *
 * @param severity     the fault's colour. Default YELLOW, as every fault and silence rule of alarm-rules' default
 *                     rule file: a fault says "you are blind here", not "there is a fire"
 * @param offlineGrace how long a gateway may stay offline before the fault is raised (an on-delay): a gateway
 *                     that restarts or whose link hands over reconnects within seconds and should not page a
 *                     station. Default 10 s: long enough for a reconnect, and far below the 60 s after which its
 *                     sensors' silence rules would fire, so the gateway fault stays the first and the clearest sign
 */
public record GatewayFaultPolicy(Severity severity, Duration offlineGrace) implements Serializable {

    public static final GatewayFaultPolicy DEFAULT = new GatewayFaultPolicy(Severity.YELLOW, Duration.ofSeconds(10));

    public GatewayFaultPolicy {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(offlineGrace, "offlineGrace");
        if (offlineGrace.isNegative()) {
            throw new IllegalArgumentException("the offline grace of gateway faults must not be negative: "
                    + offlineGrace);
        }
    }
}
