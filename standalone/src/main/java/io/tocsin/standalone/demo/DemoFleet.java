package io.tocsin.standalone.demo;

import io.tocsin.edge.EdgeAgent;
import io.tocsin.edge.driver.Driver;
import io.tocsin.edge.driver.simulator.SimulatedGasDetector;
import io.tocsin.edge.driver.simulator.SimulatedGasDetector.Leak;
import io.tocsin.edge.uplink.MqttUplink;
import io.tocsin.edge.uplink.UplinkException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The demo's simulated sites: a gateway in chemical park 1 whose gas detector sees a scripted leak, and
 * quiet gateways at an enterprise and a community. Each gateway is a real {@link EdgeAgent} publishing over
 * MQTT to the ingest server.
 */
public final class DemoFleet implements AutoCloseable {

    /** The scripted incident: a leak 10 s after start, rising 2.5 %LEL/s to 40 %LEL, venting after 20 s. */
    static final Leak PARK_LEAK = new Leak(Duration.ofSeconds(10), 2.5, 40, Duration.ofSeconds(20));

    private final List<EdgeAgent> agents = new ArrayList<>();

    private DemoFleet() {
    }

    public static DemoFleet start(String serverUri, Clock clock, Duration pollInterval) throws UplinkException {
        long t0 = clock.millis();
        DemoFleet fleet = new DemoFleet();
        try {
            fleet.add(serverUri, clock, pollInterval, "chem-park-1", "gw-1", List.of(
                    new SimulatedGasDetector("gas-01", 1.0, 0.6, t0, Optional.of(PARK_LEAK)),
                    new SimulatedGasDetector("gas-02", 0.8, 0.6, t0, Optional.empty()),
                    new SimulatedGasDetector("gas-03", 0.5, 0.6, t0, Optional.empty())));
            fleet.add(serverUri, clock, pollInterval, "enterprise-017", "gw-1", List.of(
                    new SimulatedGasDetector("gas-01", 2.0, 1.0, t0, Optional.empty()),
                    new SimulatedGasDetector("gas-02", 1.5, 1.0, t0, Optional.empty())));
            fleet.add(serverUri, clock, pollInterval, "community-042", "gw-1", List.of(
                    new SimulatedGasDetector("gas-01", 0.3, 0.3, t0, Optional.empty())));
        } catch (UplinkException | RuntimeException e) {
            fleet.close();
            throw e;
        }
        return fleet;
    }

    private void add(String serverUri, Clock clock, Duration pollInterval, String siteId, String deviceId,
                     List<Driver> drivers) throws UplinkException {
        MqttUplink uplink = MqttUplink.connect(serverUri, siteId + "." + deviceId, Duration.ofSeconds(10));
        EdgeAgent agent = new EdgeAgent(siteId, deviceId, drivers, uplink, pollInterval, clock, 10_000);
        agents.add(agent);
        agent.start();
    }

    public List<EdgeAgent> agents() {
        return List.copyOf(agents);
    }

    public long acknowledgedBatches() {
        return agents.stream().mapToLong(EdgeAgent::acknowledgedBatches).sum();
    }

    @Override
    public void close() {
        agents.forEach(EdgeAgent::close);
    }
}
