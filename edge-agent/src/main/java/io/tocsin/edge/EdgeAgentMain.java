package io.tocsin.edge;

import io.tocsin.edge.config.AgentConfig;
import io.tocsin.edge.config.AgentConfigReader;
import io.tocsin.edge.config.ConfigException;
import io.tocsin.edge.config.RemoteConfigReceiver;
import java.io.PrintStream;
import java.nio.file.Path;
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
        // Before the first logger exists: the agent's own log4j configuration, unless the operator gave one.
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "classpath:tocsin-edge-log4j2.xml");
        }
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
        run(agentConfig, config);
        return 0;
    }

    /** Validates {@code file}; prints the resolved points to {@code out} or the problems to {@code err}. */
    static int check(Path file, PrintStream out, PrintStream err) {
        try {
            AgentConfig c = AgentConfigReader.read(file);
            out.println("Configuration " + file + " (version " + c.version() + ") is valid.");
            out.println("site " + c.siteId() + ", device " + c.deviceId() + ", tick " + c.pollInterval().toMillis()
                    + " ms, buffer " + c.bufferFile() + " (max " + (c.bufferMaxBytes() >> 20) + " MB), uplink "
                    + c.uplink().uri() + (c.uplink().isCoap() ? "" : " (" + c.uplink().protocol().name()
                    .toLowerCase(java.util.Locale.ROOT) + (c.uplink().remoteConfig() ? ", remote configuration on "
                    + RemoteConfigReceiver.configTopic(c.siteId(), c.deviceId()) : "") + ")"));
            c.metrics().ifPresent(m -> out.println("metrics on http://" + m.getHostString() + ":" + m.getPort()
                    + "/metrics"));
            c.localAlarms().ifPresent(a -> {
                out.println("local alarms: rules " + a.source() + " (version " + a.rules().version() + ")");
                a.outputs().forEach(o -> out.println("  output " + o.name() + ": " + o.device() + " coil "
                        + o.coilAddress() + " while active: severities " + o.severities() + ", rules " + o.ruleIds()));
            });
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

    private static void run(AgentConfig c, Path file) throws Exception {
        ConfiguredAgent agent = ConfiguredAgent.start(c, file);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopped.countDown();
        }, "edge-shutdown"));
        stopped.await();
    }
}
