package io.tocsin.standalone.parts;

import com.fasterxml.jackson.databind.JsonNode;
import io.tocsin.ingest.IngestYamlConfig;
import io.tocsin.ingest.LineNumberedYaml;
import io.tocsin.ingest.cluster.KafkaClientMessageRelay;
import io.tocsin.standalone.Platform;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The configuration file of {@code tocsin ingest}: the ingest server's own YAML ({@link IngestYamlConfig}, see
 * {@code ingest/examples/ingest.yaml}) plus two top-level sections of this process, read here and hidden from the
 * ingest parser (their lines are blanked, so its error line numbers stay right):
 *
 * <pre>
 * node: ingest-1                  # this node's name: its alarm fan-out reads the alarms topic in a consumer
 *                                 # group of its own (tocsin-ingest-fanout-ingest-1), so every node sees every alarm
 * kafka:
 *   bootstrap: 127.0.0.1:9092     # required
 *   deliveryTimeoutSeconds: 30    # how long Kafka may take before a device is told to send again
 *   topics:                       # optional, these are the defaults
 *     telemetry: telemetry
 *     alarms: alarms
 *     status: status
 *     clientMessages: client-messages       # messages between clients, to the other ingest nodes
 *     retainedMessages: retained-messages   # compacted: retained messages, for every node
 * </pre>
 */
public record IngestNodeConfig(String node, String bootstrap, Duration deliveryTimeout, String telemetryTopic,
                               String alarmsTopic, String statusTopic, KafkaClientMessageRelay.Topics relayTopics,
                               IngestYamlConfig ingest) {

    private static final Set<String> KAFKA_KEYS = Set.of("bootstrap", "deliveryTimeoutSeconds", "topics");
    private static final Set<String> TOPIC_KEYS = Set.of("telemetry", "alarms", "status", "clientMessages",
            "retainedMessages");
    private static final Pattern TOP_LEVEL_KEY = Pattern.compile("^([A-Za-z_][\\w-]*)\\s*:.*");
    private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /** The consumer group of this node's alarm fan-out. */
    public String fanoutGroup() {
        return "tocsin-ingest-fanout-" + node;
    }

    public static IngestNodeConfig load(Path file) {
        String text = LineNumberedYaml.read(file, "the ingest configuration",
                "check the path and the file's permissions");
        return parse(text, file.toString(), file.toAbsolutePath().getParent());
    }

    public static IngestNodeConfig parse(String yaml, String source, Path baseDirectory) {
        LineNumberedYaml document = LineNumberedYaml.parse(yaml, source);
        JsonNode root = document.root();
        Problems problems = new Problems(document);
        JsonNode kafka = root.get("kafka");
        if (kafka == null || !kafka.isObject()) {
            throw problems.at("kafka", kafka == null ? "missing section" : "must be a mapping",
                    "add 'kafka:' with 'bootstrap: host:port' of the Kafka cluster indented under it");
        }
        for (Iterator<String> keys = kafka.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!KAFKA_KEYS.contains(key)) {
                throw problems.at("kafka." + key, "unknown key", "use one of " + KAFKA_KEYS);
            }
        }
        JsonNode bootstrap = kafka.get("bootstrap");
        if (bootstrap == null || !bootstrap.isTextual() || !bootstrap.asText().matches("[^\\s,:]+:\\d+(,[^\\s,:]+:\\d+)*")) {
            throw problems.at(bootstrap == null ? "kafka" : "kafka.bootstrap",
                    bootstrap == null ? "kafka.bootstrap is missing" : "must be host:port[,host:port...], is '"
                            + bootstrap.asText() + "'", "e.g. 'bootstrap: 127.0.0.1:9092'");
        }
        long timeoutS = 30;
        JsonNode timeout = kafka.get("deliveryTimeoutSeconds");
        if (timeout != null) {
            if (!timeout.isIntegralNumber() || timeout.asLong() < 1 || timeout.asLong() > 3_600) {
                throw problems.at("kafka.deliveryTimeoutSeconds", "must be a whole number of seconds in 1..3600, is '"
                        + timeout.asText() + "'", "e.g. 30");
            }
            timeoutS = timeout.asLong();
        }
        Platform.Topics defaults = Platform.Topics.standard();
        Map<String, String> topics = new HashMap<>(Map.of("telemetry", defaults.telemetry(),
                "alarms", defaults.alarms(), "status", defaults.status(),
                "clientMessages", defaults.clientMessages(), "retainedMessages", defaults.retainedMessages()));
        JsonNode topicNode = kafka.get("topics");
        if (topicNode != null) {
            if (!topicNode.isObject()) {
                throw problems.at("kafka.topics", "must be a mapping", "indent 'telemetry: ...', 'alarms: ...', "
                        + "'status: ...' under it");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = topicNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                String key = "kafka.topics." + entry.getKey();
                if (!TOPIC_KEYS.contains(entry.getKey())) {
                    throw problems.at(key, "unknown topic", "use one of " + TOPIC_KEYS);
                }
                if (!entry.getValue().isTextual() || !entry.getValue().asText().matches("[A-Za-z0-9._-]{1,249}")) {
                    throw problems.at(key, "must be a Kafka topic name, is '" + entry.getValue().asText() + "'",
                            "use letters, digits, '.', '_' and '-'");
                }
                topics.put(entry.getKey(), entry.getValue().asText());
            }
        }
        String node = "ingest-1";
        JsonNode nodeName = root.get("node");
        if (nodeName != null) {
            if (!nodeName.isValueNode() || !NODE_NAME.matcher(nodeName.asText()).matches()) {
                throw problems.at("node", "must be a name of 1-64 letters, digits, '.', '_' or '-', is '"
                        + nodeName.asText() + "'", "e.g. 'node: ingest-1', unique in the deployment");
            }
            node = nodeName.asText();
        }
        IngestYamlConfig ingest = IngestYamlConfig.parse(withoutSections(yaml, Set.of("kafka", "node")), source,
                baseDirectory);
        return new IngestNodeConfig(node, bootstrap.asText(), Duration.ofSeconds(timeoutS), topics.get("telemetry"),
                topics.get("alarms"), topics.get("status"), new KafkaClientMessageRelay.Topics(
                        topics.get("clientMessages"), topics.get("retainedMessages")), ingest);
    }

    /**
     * The YAML with the given top-level sections' lines replaced by empty lines (block style: a section runs from
     * its key at column 0 to the next line at column 0 that is not a comment).
     */
    static String withoutSections(String yaml, Set<String> sections) {
        List<String> out = new ArrayList<>();
        boolean inside = false;
        for (String line : yaml.split("\n", -1)) {
            boolean topLevel = !line.isEmpty() && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("#");
            if (topLevel) {
                var matcher = TOP_LEVEL_KEY.matcher(line);
                inside = matcher.matches() && sections.contains(matcher.group(1));
            }
            out.add(inside ? "" : line);
        }
        return String.join("\n", out);
    }

    /** This file's problems: "{@code <file>, line N: <key>: <what>; fix: <fix>}". */
    private record Problems(LineNumberedYaml document) {
        IllegalArgumentException at(String key, String what, String fix) {
            Integer line = document.line(key);
            return new IllegalArgumentException(document.source() + (line == null ? "" : ", line " + line) + ": "
                    + key + ": " + what + "; fix: " + fix);
        }
    }
}
