package io.tocsin.edge;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.edge.buffer.DiskBuffer;
import io.tocsin.edge.config.AgentConfig;
import io.tocsin.edge.config.AgentConfigReader;
import io.tocsin.edge.config.ConfigException;
import io.tocsin.edge.driver.Driver;
import io.tocsin.edge.uplink.CoapUplink;
import io.tocsin.edge.uplink.ConnectOnDemandUplink;
import io.tocsin.edge.uplink.MqttUplink;
import io.tocsin.edge.uplink.Uplink;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tocsin-edge --config /etc/tocsin-edge/agent.yaml} runs the agent until SIGTERM;
 * {@code tocsin-edge --check-config agent.yaml} validates a config and prints the resolved point list
 * (exit 0), or every problem with file, line, key and fix (exit 2).
 */
@Command(name = "tocsin-edge", mixinStandardHelpOptions = true,
        description = "Tocsin edge agent: polls field devices, buffers on disk, forwards to the platform.")
public final class EdgeAgentMain implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "Run the agent with this configuration.")
    Path config;

    @Option(names = "--check-config", paramLabel = "FILE",
            description = "Validate the configuration, print the resolved points and exit.")
    Path checkConfig;

    public static void main(String[] args) {
        System.exit(new CommandLine(new EdgeAgentMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (checkConfig != null) {
            return check(checkConfig, System.out, System.err);
        }
        if (config == null) {
            System.err.println("Give --config FILE to run, or --check-config FILE to validate (see --help).");
            return 2;
        }
        AgentConfig agentConfig;
        try {
            agentConfig = AgentConfigReader.read(config);
        } catch (ConfigException e) {
            System.err.println("Invalid configuration " + config + ":");
            e.problems().forEach(p -> System.err.println("  " + p));
            return 2;
        }
        run(agentConfig);
        return 0;
    }

    /** Validates {@code file}; prints the resolved points to {@code out} or the problems to {@code err}. */
    static int check(Path file, PrintStream out, PrintStream err) {
        try {
            AgentConfig c = AgentConfigReader.read(file);
            out.println("Configuration " + file + " is valid.");
            out.println("site " + c.siteId() + ", device " + c.deviceId() + ", tick " + c.pollInterval().toMillis()
                    + " ms, buffer " + c.bufferFile() + " (max " + (c.bufferMaxBytes() >> 20) + " MB), uplink "
                    + c.uplink().uri());
            int points = 0;
            for (AgentConfig.DriverSpec driver : c.drivers()) {
                for (String line : driver.describePoints()) {
                    out.println("  " + line);
                    points++;
                }
            }
            out.println(points + " point(s)");
            return 0;
        } catch (ConfigException e) {
            err.println("Invalid configuration " + file + ":");
            e.problems().forEach(p -> err.println("  " + p));
            return 2;
        }
    }

    private static void run(AgentConfig c) throws InterruptedException {
        Clock clock = Clock.systemUTC();
        List<Driver> drivers = new ArrayList<>();
        for (AgentConfig.DriverSpec spec : c.drivers()) {
            drivers.add(spec.create(clock));
        }
        AgentConfig.Uplink u = c.uplink();
        String clientId = c.siteId() + "." + c.deviceId();
        Uplink uplink = new ConnectOnDemandUplink(() -> u.isCoap()
                ? CoapUplink.connect(u.uri(), u.coapKey(), u.ackTimeout())
                : MqttUplink.connect(u.uri(), clientId, u.ackTimeout(), u.mqtt()));
        DiskBuffer buffer = DiskBuffer.open(c.bufferFile(), DiskBuffer.Limits.ofBytes(c.bufferMaxBytes()));
        EdgeAgent agent = new EdgeAgent(c.siteId(), c.deviceId(), drivers, uplink, buffer,
                EdgeAgent.Settings.of(c.pollInterval()).withBatching(c.batchMaxReadings(), c.batchMaxDelay()),
                clock, new SimpleMeterRegistry());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            buffer.close();
            stopped.countDown();
        }, "edge-shutdown"));
        agent.start();
        stopped.await();
    }
}
