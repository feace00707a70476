package io.tocsin.edge;

import io.micrometer.core.instrument.MeterRegistry;
import io.tocsin.edge.alarm.CoilWriter;
import io.tocsin.edge.alarm.LocalAlarms;
import io.tocsin.edge.config.AgentConfig;
import io.tocsin.edge.driver.Driver;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the parts of a running agent from a validated {@link AgentConfig}, at start and again when the
 * platform pushes a new configuration.
 */
public final class AgentAssembly {

    private AgentAssembly() {
    }

    public static List<Driver> drivers(AgentConfig config, Clock clock) {
        List<Driver> drivers = new ArrayList<>();
        for (AgentConfig.DriverSpec spec : config.drivers()) {
            drivers.add(spec.create(clock));
        }
        return drivers;
    }

    public static EdgeAgent.Settings settings(AgentConfig config) {
        return EdgeAgent.Settings.of(config.pollInterval())
                .withBatching(config.batchMaxReadings(), config.batchMaxDelay());
    }

    /**
     * The local alarms of {@code config} over {@code drivers} (whose Modbus devices own the relays), carrying
     * over the alarm states of {@code previous}; null when the configuration has none.
     */
    public static LocalAlarms localAlarms(AgentConfig config, List<Driver> drivers, LocalAlarms previous,
                                          MeterRegistry meters) {
        if (config.localAlarms().isEmpty()) {
            return null;
        }
        AgentConfig.LocalAlarmsSpec spec = config.localAlarms().get();
        CoilWriter coils = CoilWriter.over(drivers);
        return previous == null
                ? new LocalAlarms(config.siteId(), config.deviceId(), spec.rules(), spec.outputs(), coils, meters)
                : previous.reconfigured(spec.rules(), spec.outputs(), coils);
    }

    /** Applies {@code next} to a running agent: new drivers, local alarms and batching, no restart. */
    public static void apply(EdgeAgent agent, AgentConfig next, Clock clock, MeterRegistry meters)
            throws InterruptedException {
        List<Driver> drivers = drivers(next, clock);
        agent.reconfigure(drivers, localAlarms(next, drivers, agent.localAlarms().orElse(null), meters),
                settings(next));
    }
}
