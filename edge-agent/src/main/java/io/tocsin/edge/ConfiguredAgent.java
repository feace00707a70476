package io.tocsin.edge;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.edge.buffer.DiskBuffer;
import io.tocsin.edge.config.AgentConfig;
import io.tocsin.edge.config.RemoteConfigReceiver;
import io.tocsin.edge.driver.Driver;
import io.tocsin.edge.ops.MetricsEndpoint;
import io.tocsin.edge.uplink.CoapUplink;
import io.tocsin.edge.uplink.ConnectOnDemandUplink;
import io.tocsin.edge.uplink.MqttChannel;
import io.tocsin.edge.uplink.MqttUplink;
import io.tocsin.edge.uplink.Uplink;
import io.tocsin.edge.uplink.UplinkException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A gateway's agent wired as its configuration file says: drivers, local alarms, the disk buffer, the uplink
 * (MQTT 5, MQTT 3.1.1 or CoAP), remote configuration and the metrics endpoint. {@link EdgeAgentMain} runs one
 * until SIGTERM; tests run one exactly as a gateway would.
 */
public final class ConfiguredAgent implements AutoCloseable {

    private final EdgeAgent agent;
    private final DiskBuffer buffer;
    private final MetricsEndpoint metrics;
    private final RemoteConfigReceiver remote;

    private ConfiguredAgent(EdgeAgent agent, DiskBuffer buffer, MetricsEndpoint metrics, RemoteConfigReceiver remote) {
        this.agent = agent;
        this.buffer = buffer;
        this.metrics = metrics;
        this.remote = remote;
    }

    /**
     * Starts the agent of {@code config}, read from {@code configFile} (relative paths in a pushed
     * configuration are resolved against its folder).
     */
    public static ConfiguredAgent start(AgentConfig config, Path configFile) throws IOException {
        Clock clock = Clock.systemUTC();
        MetricsEndpoint metrics = config.metrics().isPresent() ? MetricsEndpoint.start(config.metrics().get()) : null;
        MeterRegistry meters = metrics != null ? metrics.registry() : new SimpleMeterRegistry();
        List<Driver> drivers = AgentAssembly.drivers(config, clock);
        AgentConfig.Uplink u = config.uplink();
        String clientId = config.siteId() + "." + config.deviceId();
        Path baseDir = configFile.toAbsolutePath().getParent();
        AtomicReference<EdgeAgent> agentRef = new AtomicReference<>();
        RemoteConfigReceiver remote = u.remoteConfig() ? new RemoteConfigReceiver(config, baseDir,
                next -> AgentAssembly.apply(agentRef.get(), next, clock, meters)) : null;
        Uplink uplink = new ConnectOnDemandUplink(() -> {
            if (u.isCoap()) {
                return CoapUplink.connect(u.uri(), u.coapKey(), u.ackTimeout());
            }
            MqttChannel channel = MqttUplink.connect(u.protocol(), u.uri(), clientId, u.ackTimeout(), u.mqtt());
            if (remote != null) {
                try {
                    remote.listenOn(channel);
                } catch (UplinkException e) {
                    channel.close();
                    throw e;
                }
            }
            return channel;
        }, u.isCoap() ? CoapUplink.MAX_PUBLISH_BYTES : Uplink.DEFAULT_MAX_PUBLISH_BYTES);
        DiskBuffer buffer = DiskBuffer.open(config.bufferFile(), DiskBuffer.Limits.ofBytes(config.bufferMaxBytes()));
        EdgeAgent agent = new EdgeAgent(config.siteId(), config.deviceId(), drivers, uplink, buffer,
                AgentAssembly.settings(config), clock, meters);
        agent.useLocalAlarms(AgentAssembly.localAlarms(config, drivers, null, meters));
        agentRef.set(agent);
        agent.start();
        return new ConfiguredAgent(agent, buffer, metrics, remote);
    }

    public EdgeAgent agent() {
        return agent;
    }

    /** The configuration in force: the file's, or the last one pushed and applied. */
    public Optional<AgentConfig> runningConfig() {
        return Optional.ofNullable(remote).map(RemoteConfigReceiver::running);
    }

    /** The metrics endpoint, if the configuration has one. */
    public Optional<MetricsEndpoint> metrics() {
        return Optional.ofNullable(metrics);
    }

    /** Stops polling and sending; what was not acknowledged stays in the buffer file. */
    @Override
    public void close() {
        if (remote != null) {
            remote.close();
        }
        agent.close();
        buffer.close();
        if (metrics != null) {
            metrics.close();
        }
    }
}
