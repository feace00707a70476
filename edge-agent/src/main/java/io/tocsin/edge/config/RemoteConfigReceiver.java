package io.tocsin.edge.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tocsin.edge.uplink.MqttChannel;
import io.tocsin.edge.uplink.UplinkException;
import io.tocsin.proto.MqttTopics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes agent configurations the platform pushes on the retained topic {@code tocsin/v1/config/{site}/{device}}
 * (the same YAML as the file), validates them like the file, applies them without a restart and reports on the
 * retained topic {@code tocsin/v1/status/{site}/{device}/config}:
 * <pre>{"running":"v2","result":"applied","version":"v2"}
 * {"running":"v1","result":"refused","version":"v3","reason":"pushed config:12: drivers[0]..."}</pre>
 * An invalid push is refused with every problem found and the running configuration keeps running. So is a push
 * that changes what only a restart can change: site, device, tick, buffer, uplink and metrics (a bad uplink push
 * would cut the gateway off for good). A push of the version already running is not applied again: the broker
 * delivers the retained push again after every reconnect.
 *
 * <p>Pushes are handled one at a time on a thread of their own, never on the MQTT client's callback thread.
 */
public final class RemoteConfigReceiver implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RemoteConfigReceiver.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Applies a validated configuration to the running agent. */
    @FunctionalInterface
    public interface Target {
        void apply(AgentConfig next) throws Exception;
    }

    private final Target target;
    private final Path baseDir;
    private final ExecutorService worker;
    private volatile AgentConfig running;

    /**
     * @param running the configuration the agent was started with
     * @param baseDir what relative paths in a pushed configuration (a rule file) are relative to
     */
    public RemoteConfigReceiver(AgentConfig running, Path baseDir, Target target) {
        this.running = running;
        this.baseDir = baseDir;
        this.target = target;
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "edge-remote-config");
            t.setDaemon(true);
            return t;
        });
    }

    public static String configTopic(String siteId, String deviceId) {
        return "tocsin/v1/config/" + levels(siteId, deviceId);
    }

    public static String reportTopic(String siteId, String deviceId) {
        return "tocsin/v1/status/" + levels(siteId, deviceId) + "/config";
    }

    private static String levels(String siteId, String deviceId) {
        // validates both ids as topic levels
        return MqttTopics.telemetry(siteId, deviceId).substring(MqttTopics.TELEMETRY_PREFIX.length());
    }

    /** Subscribes on {@code channel} and reports the running version there. */
    public void listenOn(MqttChannel channel) throws UplinkException {
        AgentConfig c = running;
        channel.subscribe(configTopic(c.siteId(), c.deviceId()), payload -> worker.execute(() -> onPush(payload,
                channel)));
        report(channel, "running", c.version(), null);
    }

    /** The configuration in force. */
    public AgentConfig running() {
        return running;
    }

    private void onPush(byte[] payload, MqttChannel channel) {
        if (payload.length == 0) {
            return; // the platform cleared the retained push: keep what runs
        }
        AgentConfig current = running;
        String name = "pushed config " + configTopic(current.siteId(), current.deviceId());
        AgentConfig next;
        try {
            next = AgentConfigReader.parse(name, new String(payload, StandardCharsets.UTF_8), baseDir);
        } catch (ConfigException e) {
            refuse(channel, versionIn(payload), String.join("; ", e.problems()));
            return;
        }
        if (next.version().equals(current.version())) {
            log.debug("Pushed configuration {} is already running", next.version());
            report(channel, "applied", next.version(), null);
            return;
        }
        List<String> restartOnly = restartOnlyChanges(current, next);
        if (!restartOnly.isEmpty()) {
            refuse(channel, next.version(), String.join(", ", restartOnly) + " cannot change without a restart."
                    + " Fix: push a configuration that keeps them, and change them in the file on the gateway");
            return;
        }
        try {
            target.apply(next);
        } catch (Exception e) {
            refuse(channel, next.version(), "could not be applied: " + e.getMessage());
            return;
        }
        running = next;
        log.info("Applied pushed configuration {} (was {})", next.version(), current.version());
        report(channel, "applied", next.version(), null);
    }

    private void refuse(MqttChannel channel, String version, String reason) {
        log.warn("Refused pushed configuration {}: {}; still running {}", version, reason, running.version());
        report(channel, "refused", version, reason);
    }

    /** The version a refused push said it was, for the report: best effort, it may not even be YAML. */
    private static String versionIn(byte[] payload) {
        for (String line : new String(payload, StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("version:")) {
                return line.substring("version:".length()).trim().replace("\"", "").replace("'", "");
            }
        }
        return "?";
    }

    static List<String> restartOnlyChanges(AgentConfig a, AgentConfig b) {
        List<String> changed = new ArrayList<>();
        if (!a.siteId().equals(b.siteId())) {
            changed.add("site");
        }
        if (!a.deviceId().equals(b.deviceId())) {
            changed.add("device");
        }
        if (!a.pollInterval().equals(b.pollInterval())) {
            changed.add("poll-interval");
        }
        if (!Objects.equals(a.bufferFile(), b.bufferFile()) || a.bufferMaxBytes() != b.bufferMaxBytes()) {
            changed.add("buffer");
        }
        AgentConfig.Uplink ua = a.uplink();
        AgentConfig.Uplink ub = b.uplink();
        if (!ua.uri().equals(ub.uri()) || ua.protocol() != ub.protocol() || !ua.ackTimeout().equals(ub.ackTimeout())
                || ua.remoteConfig() != ub.remoteConfig()
                || !ua.mqtt().username().equals(ub.mqtt().username())
                || !ua.mqtt().caCertificate().equals(ub.mqtt().caCertificate())
                || !ua.mqtt().clientKeyStore().equals(ub.mqtt().clientKeyStore())
                || !ua.mqtt().statusTopic().equals(ub.mqtt().statusTopic())) {
            changed.add("uplink");
        }
        if (!a.metrics().equals(b.metrics())) {
            changed.add("metrics");
        }
        return changed;
    }

    private void report(MqttChannel channel, String result, String version, String reason) {
        ObjectNode json = JSON.createObjectNode();
        json.put("running", running.version());
        json.put("result", result);
        json.put("version", version);
        if (reason != null) {
            json.put("reason", reason);
        }
        AgentConfig c = running;
        try {
            channel.publish(reportTopic(c.siteId(), c.deviceId()), json.toString().getBytes(StandardCharsets.UTF_8),
                    true);
        } catch (UplinkException e) {
            log.warn("Could not report configuration {} {}: {}", version, result, e.getMessage());
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
