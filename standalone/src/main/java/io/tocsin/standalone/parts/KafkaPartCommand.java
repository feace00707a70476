package io.tocsin.standalone.parts;

import io.tocsin.standalone.Platform;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import io.tocsin.ingest.cluster.KafkaClientMessageRelay;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tocsin kafka}: one KRaft Kafka node (broker and controller) as a process of its own, with the platform's
 * topics. Kafka's own {@code kafka.Kafka} main would need its log directory formatted first (kafka-storage, not on
 * our classpath) and the topics created by another tool: this does both with the very broker code and stays up.
 */
@Command(name = "kafka", mixinStandardHelpOptions = true,
        description = "Run a single-node KRaft Kafka broker with Tocsin's topics (a part of a multi-process deployment).")
public final class KafkaPartCommand implements Callable<Integer> {

    @Option(names = "--data-dir", required = true, description = "Kafka's log directory (formatted on first start).")
    Path dataDir;

    @Option(names = "--port", defaultValue = "9092", description = "Client port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--controller-port", defaultValue = "9093",
            description = "KRaft controller port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int controllerPort;

    @Option(names = "--partitions", defaultValue = "4",
            description = "Partitions of each topic created at first start (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Override
    public Integer call() throws Exception {
        PartLifecycle lifecycle = new PartLifecycle("kafka");
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir, port, controllerPort).start()) {
            Platform.Topics topics = Platform.Topics.standard();
            broker.createTopics(Map.of(topics.telemetry(), partitions, topics.alarms(), partitions,
                    topics.status(), partitions, topics.commands(), partitions, topics.commandResults(), partitions));
            broker.createCompactedTopics(Map.of(topics.registry(), 1, topics.retainedMessages(), partitions));
            broker.createTopics(Map.of(topics.clientMessages(), partitions),
                    KafkaClientMessageRelay.MESSAGES_TOPIC_CONFIG);
            PartLifecycle.announceReady("kafka", "bootstrap=" + broker.bootstrapServers());
            lifecycle.awaitStopRequest();
        } finally {
            lifecycle.stopped();
        }
        return 0;
    }
}
