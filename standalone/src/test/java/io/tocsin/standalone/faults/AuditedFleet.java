package io.tocsin.standalone.faults;

import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.edge.EdgeAgent;
import io.tocsin.edge.alarm.AlarmOutput;
import io.tocsin.edge.alarm.LocalAlarms;
import io.tocsin.edge.buffer.DiskBuffer;
import io.tocsin.edge.uplink.ConnectOnDemandUplink;
import io.tocsin.edge.uplink.MqttUplink;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import io.tocsin.rules.config.RuleFileLoader;

/**
 * A fleet of edge agents in the harness's JVM (not child processes: the harness kills platform parts, not
 * gateways, and in-process agents let the audit see exactly what each one was acknowledged). Each agent is the
 * real {@link EdgeAgent} with its store-and-forward buffer (in memory here, large enough never to drop), the real
 * MQTT 5 uplink to the ingest process, and a {@link ScriptedGasDriver}; per-device sequence numbers come from the
 * agent's buffer as on a gateway.
 */
final class AuditedFleet implements AutoCloseable {

    /** One gateway: site {@code <prefix>-<n>}, device {@code gw-<n>}. */
    record Gateway(String site, String device, ScriptedGasDriver driver, RecordingUplink uplink, EdgeAgent agent,
                   SirenRelay siren) {
    }

    private final List<Gateway> gateways;

    private AuditedFleet(List<Gateway> gateways) {
        this.gateways = gateways;
    }

    /**
     * @param sitePrefix   unique per scenario, so that audits of scenarios sharing a deployment do not mix
     * @param pollInterval one batch of two readings per gateway per poll
     * @param leakPeriod   gas-1 leaks for {@code leak} at the end of every period (one alarm activation each)
     * @param localAlarms  each gateway also decides alarms itself and drives a {@link SirenRelay}
     * @param maxReconnectDelay the uplink's longest automatic reconnect delay (it doubles up to it; gateways
     *                          default to 30 s, which is then also the worst time to come back after an outage)
     */
    static AuditedFleet start(String mqttUri, String sitePrefix, int size, Duration pollInterval,
                              Duration leakPeriod, Duration leak, Duration maxReconnectDelay, boolean localAlarms) {
        MqttUplink.Options defaults = MqttUplink.Options.defaults();
        MqttUplink.Options uplinkOptions = new MqttUplink.Options(defaults.username(), defaults.password(),
                defaults.caCertificate(), defaults.clientKeyStore(), defaults.clientKeyStorePassword(),
                defaults.statusTopic(), defaults.keepAlive(), maxReconnectDelay);
        long start = System.currentTimeMillis();
        List<Gateway> gateways = new ArrayList<>();
        for (int n = 1; n <= size; n++) {
            String site = sitePrefix + "-" + n;
            String device = "gw-" + n;
            ScriptedGasDriver driver = new ScriptedGasDriver(start, leakPeriod.toMillis(), leak.toMillis());
            RecordingUplink uplink = new RecordingUplink(new ConnectOnDemandUplink(
                    () -> MqttUplink.connect(mqttUri, site + "." + device, Duration.ofSeconds(5), uplinkOptions)));
            EdgeAgent agent = new EdgeAgent(site, device, List.of(driver), uplink,
                    DiskBuffer.inMemory(DiskBuffer.Limits.ofBatches(1_000_000)),
                    EdgeAgent.Settings.of(pollInterval).withRetryDelays(Duration.ofMillis(100), Duration.ofSeconds(1)),
                    Clock.systemUTC(), new SimpleMeterRegistry());
            SirenRelay siren = new SirenRelay();
            if (localAlarms) {
                // The platform's own rule file, decided on the gateway too; the siren follows gas-high.
                agent.useLocalAlarms(new LocalAlarms(site, device,
                        RuleFileLoader.parse("rules.yaml", Deployment.RULES),
                        List.of(new AlarmOutput("siren", Set.of(), Set.of("gas-high"), "siren-relay", 0)),
                        siren, new SimpleMeterRegistry()));
            }
            gateways.add(new Gateway(site, device, driver, uplink, agent, siren));
        }
        gateways.forEach(g -> g.agent().start());
        return new AuditedFleet(List.copyOf(gateways));
    }

    List<Gateway> gateways() {
        return gateways;
    }

    /** Readings acknowledged so far, over the fleet (resends counted again). */
    long acknowledgements() {
        return gateways.stream().mapToLong(g -> g.uplink().acknowledgements()).sum();
    }

    int pendingBatches() {
        return gateways.stream().mapToInt(g -> g.agent().pendingBatches()).sum();
    }

    /** Stops producing readings and waits until every buffered batch was acknowledged. */
    void stopAndDrain(Duration timeout) {
        gateways.forEach(g -> g.driver().stopProducing());
        await("every gateway buffer drained").atMost(timeout).pollInterval(Duration.ofMillis(200))
                .until(() -> pendingBatches() == 0);
    }

    @Override
    public void close() {
        for (Gateway g : gateways) {
            g.agent().close();
            g.uplink().close();
        }
    }
}
