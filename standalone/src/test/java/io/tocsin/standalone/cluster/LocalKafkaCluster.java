package io.tocsin.standalone.cluster;

import io.tocsin.standalone.LoopbackPorts;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.awaitility.Awaitility;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A three-node KRaft Kafka cluster of separate processes: each node is broker and controller (combined mode),
 * started with Kafka's own {@code kafka.Kafka} main and a generated {@code server.properties}, its log
 * directory formatted by Kafka's own {@code kafka.tools.StorageTool}. Topics get three replicas and
 * {@code min.insync.replicas=2}: a producer with {@code acks=all} is acknowledged only once two brokers have the
 * record, so one broker may die without losing an acknowledged record.
 */
final class LocalKafkaCluster implements AutoCloseable {

    static final int NODES = 3;
    /** Generous: on a 2-core machine shared with other builds a node has taken over 4 minutes to start. */
    static final int STARTUP_TIMEOUT_S = 420;
    private static final Logger log = LoggerFactory.getLogger(LocalKafkaCluster.class);

    private final Path dir;
    private final String classpath;
    private final int[] brokerPorts = new int[NODES];
    private final int[] controllerPorts = new int[NODES];
    private final ChildProcess[] nodes = new ChildProcess[NODES];
    private final String clusterId = Uuid.randomUuid().toString();

    LocalKafkaCluster(Path dir, String classpath) {
        this.dir = dir;
        this.classpath = classpath;
        for (int i = 0; i < NODES; i++) {
            brokerPorts[i] = LoopbackPorts.free();
            controllerPorts[i] = LoopbackPorts.free();
        }
    }

    /** Formats and starts the three nodes and waits until all three serve as brokers. */
    LocalKafkaCluster start() throws IOException, InterruptedException {
        String voters = IntStream.range(0, NODES)
                .mapToObj(i -> (i + 1) + "@127.0.0.1:" + controllerPorts[i])
                .collect(Collectors.joining(","));
        List<Thread> formatting = new ArrayList<>();
        List<Exception> failures = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            int node = i + 1;
            Path properties = writeServerProperties(node, voters);
            // Kafka's own formatter, as `kafka-storage.sh format -t <id> -c server.properties` runs it.
            Thread t = new Thread(() -> {
                try {
                    ChildProcess.runJava("kafka-" + node + "-format", dir.resolve("logs"), jvmOptions(node, 256),
                            classpath, "kafka.tools.StorageTool",
                            List.of("format", "-t", clusterId, "-c", properties.toString()));
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            });
            t.start();
            formatting.add(t);
        }
        for (Thread t : formatting) {
            t.join();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException("formatting Kafka storage failed", failures.get(0));
        }
        for (int i = 0; i < NODES; i++) {
            startNode(i + 1);
        }
        awaitBrokers(NODES, STARTUP_TIMEOUT_S);
        return this;
    }

    private Path writeServerProperties(int node, String voters) throws IOException {
        int i = node - 1;
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(node));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPorts[i] + ",CONTROLLER://127.0.0.1:" + controllerPorts[i]);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPorts[i]);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dir.resolve("kafka-" + node + "-data").toAbsolutePath().toString());
        // Every topic, internal ones included: three copies, and a write counts once two have it.
        p.put("default.replication.factor", "3");
        p.put("min.insync.replicas", "2");
        p.put("offsets.topic.replication.factor", "3");
        p.put("transaction.state.log.replication.factor", "3");
        p.put("transaction.state.log.min.isr", "2");
        p.put("share.coordinator.state.topic.replication.factor", "3");
        p.put("share.coordinator.state.topic.min.isr", "2");
        p.put("unclean.leader.election.enable", "false");
        p.put("auto.create.topics.enable", "false");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.partitions", "6");
        // A dead broker is noticed by the controller after this long without a heartbeat (default 9 s).
        p.put("broker.session.timeout.ms", "6000");
        p.put("broker.heartbeat.interval.ms", "1000");
        // Quorum elections: Kafka's defaults (1 s timeout, up to 1 s back-off) split votes again and again on
        // a busy 2-core machine where three JVMs start at once; a little more patience elects in one round.
        p.put("controller.quorum.election.timeout.ms", "2500");
        p.put("controller.quorum.election.backoff.max.ms", "2000");
        p.put("controller.quorum.fetch.timeout.ms", "5000");
        Path file = dir.resolve("kafka-" + node + ".properties");
        Files.createDirectories(dir);
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, "Tocsin local cluster: Kafka node " + node + " (generated)");
        }
        return file;
    }

    private List<String> jvmOptions(int node, int heapMb) {
        List<String> options = new ArrayList<>(List.of("-Xmx" + heapMb + "m", "-Xms" + Math.min(heapMb, 256) + "m",
                "-XX:+UseG1GC", "-XX:ActiveProcessorCount=2",
                "-Dlog4j2.configurationFile=" + dir.resolve("log4j2-kafka.properties").toAbsolutePath(),
                "-Dkafka.logs.dir=" + dir.resolve("logs").toAbsolutePath()));
        return options;
    }

    void startNode(int node) throws IOException {
        writeLogConfig();
        nodes[node - 1] = ChildProcess.startJava("kafka-" + node, dir.resolve("logs"), jvmOptions(node, 512),
                classpath, "kafka.Kafka", List.of(dir.resolve("kafka-" + node + ".properties").toString()));
        log.info("Started Kafka node {} on 127.0.0.1:{} (controller {}): {}", node, brokerPorts[node - 1],
                controllerPorts[node - 1], nodes[node - 1]);
    }

    private void writeLogConfig() throws IOException {
        Path file = dir.resolve("log4j2-kafka.properties");
        if (!Files.exists(file)) {
            Files.writeString(file, String.join("\n",
                    "appender.out.type = Console",
                    "appender.out.name = out",
                    "appender.out.layout.type = PatternLayout",
                    "appender.out.layout.pattern = %d{HH:mm:ss.SSS} %-5p [%t] %c{1} - %m%n",
                    "rootLogger.level = WARN",
                    "rootLogger.appenderRef.out.ref = out",
                    "logger.controller.name = org.apache.kafka.controller",
                    "logger.controller.level = INFO",
                    "logger.raft.name = org.apache.kafka.raft",
                    "logger.raft.level = INFO",
                    ""));
        }
    }

    /** Waits until {@code expected} brokers are registered and serving. */
    void awaitBrokers(int expected, int timeoutSeconds) {
        try (Admin admin = admin()) {
            Awaitility.await("Kafka cluster " + bootstrapServers() + " with " + expected + " brokers (logs in "
                            + dir.resolve("logs") + ")")
                    .atMost(Duration.ofSeconds(timeoutSeconds)).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        for (ChildProcess node : nodes) {
                            if (node != null && !node.isAlive() && expected == NODES) {
                                throw new IllegalStateException(node + " exited; see " + node.log());
                            }
                        }
                        try {
                            return admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size() >= expected;
                        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                            return false;
                        }
                    });
        }
    }

    /** Creates topics with three replicas each and the given per-topic configuration. */
    void createTopics(Map<String, Integer> partitionsByTopic, Map<String, String> configs) throws Exception {
        try (Admin admin = admin()) {
            List<NewTopic> topics = partitionsByTopic.entrySet().stream()
                    .map(e -> new NewTopic(e.getKey(), e.getValue(), (short) NODES).configs(configs))
                    .collect(Collectors.toList());
            // Retried: on a starved machine a fresh cluster has timed out the first call; a retry then finds
            // some of the topics already there.
            Awaitility.await("topics " + partitionsByTopic.keySet() + " created").atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofSeconds(1)).ignoreExceptionsMatching(e -> e instanceof ExecutionException
                            && !(e.getCause() instanceof TopicExistsException))
                    .until(() -> {
                        for (var result : admin.createTopics(topics).values().values()) {
                            try {
                                result.get(60, TimeUnit.SECONDS);
                            } catch (ExecutionException e) {
                                if (!(e.getCause() instanceof TopicExistsException)) {
                                    throw e;
                                }
                            }
                        }
                        return true;
                    });
        }
    }

    /** The node id of the active controller (the KRaft quorum leader). */
    int quorumLeader() throws Exception {
        try (Admin admin = admin()) {
            return admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
        }
    }

    /** Partitions of {@code topics} that have no leader or fewer than {@code minIsr} in-sync replicas. */
    List<String> partitionsBelow(List<String> topics, int minIsr) throws Exception {
        List<String> below = new ArrayList<>();
        try (Admin admin = admin()) {
            Map<String, TopicDescription> d = admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
            for (TopicDescription t : d.values()) {
                for (TopicPartitionInfo p : t.partitions()) {
                    if (p.leader() == null || p.leader().isEmpty() || p.isr().size() < minIsr) {
                        below.add(t.name() + "-" + p.partition());
                    }
                }
            }
        }
        return below;
    }

    /** How many partitions of {@code topics} the given node leads (0 once leadership moved off a dead node). */
    int partitionsLedBy(List<String> topics, int node) throws Exception {
        int led = 0;
        try (Admin admin = admin()) {
            Map<String, TopicDescription> d = admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
            for (TopicDescription t : d.values()) {
                for (TopicPartitionInfo p : t.partitions()) {
                    if (p.leader() == null || p.leader().isEmpty() || p.leader().id() == node) {
                        led++;
                    }
                }
            }
        }
        return led;
    }

    ChildProcess node(int node) {
        return nodes[node - 1];
    }

    Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "20000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
        return Admin.create(p);
    }

    String bootstrapServers() {
        return IntStream.range(0, NODES).mapToObj(i -> "127.0.0.1:" + brokerPorts[i]).collect(Collectors.joining(","));
    }

    @Override
    public void close() {
        for (ChildProcess node : nodes) {
            if (node != null) {
                node.close();
            }
        }
    }
}
