package io.tocsin.standalone.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.IngestConfig;
import io.tocsin.ingest.IngestServer;
import io.tocsin.ingest.telemetry.KafkaTelemetryWriter;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.standalone.LoopbackPorts;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Store-and-forward end to end, on real parts: an edge agent in its own JVM with a disk buffer, the real
 * ingest server, a real Kafka broker. The ingest server is stopped, the agent is killed (SIGKILL) and
 * restarted on the same buffer file during the outage, then ingest comes back: every batch reaches Kafka,
 * none missing (per-device sequence numbers 1..n without a gap), each sensor's readings in order.
 */
class StoreAndForwardEndToEndTest {

    private static final String TOPIC = "telemetry";

    @TempDir
    Path dir;

    private EmbeddedKafkaBroker kafka;
    private KafkaTelemetryWriter writer;
    private IngestServer ingest;
    private final List<Process> agents = new ArrayList<>();

    @AfterEach
    void stop() {
        agents.forEach(Process::destroyForcibly);
        if (ingest != null) {
            ingest.close();
        }
        if (writer != null) {
            writer.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /** A running agent JVM and what it last said about its buffer. */
    private static final class Agent {
        final Process process;
        final AtomicInteger pending = new AtomicInteger(-1);
        final AtomicLong acked = new AtomicLong();

        Agent(Process process) {
            this.process = process;
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = out.readLine()) != null) {
                        if (line.startsWith("pending ")) {
                            String[] parts = line.split(" ");
                            pending.set(Integer.parseInt(parts[1]));
                            acked.set(Long.parseLong(parts[3]));
                        }
                    }
                } catch (Exception e) {
                    // the process was killed
                }
            });
            reader.setDaemon(true);
            reader.start();
        }
    }

    private Agent startAgent(String mqttUri, Path buffer) throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-cp", System.getProperty("java.class.path"), AgentProcess.class.getName(), mqttUri,
                buffer.toString()).redirectError(dir.resolve("agent-" + agents.size() + ".err").toFile()).start();
        agents.add(process);
        return new Agent(process);
    }

    private IngestServer startIngest(int port) {
        IngestServer server = new IngestServer(IngestConfig.defaults().withBindHost("127.0.0.1").withPort(port),
                writer, new SimpleMeterRegistry());
        server.start();
        return server;
    }

    @Test
    void everyReadingArrivesInOrderAfterAnOutageAndAnAgentKilledDuringIt() throws Exception {
        kafka = new EmbeddedKafkaBroker(dir.resolve("kafka"), 0, 0).start();
        kafka.createTopics(Map.of(TOPIC, 2));
        writer = new KafkaTelemetryWriter(kafka.bootstrapServers(), TOPIC, Duration.ofSeconds(4), Map.of());
        int port = LoopbackPorts.free();
        ingest = startIngest(port);
        String mqttUri = "tcp://127.0.0.1:" + port;
        Path buffer = dir.resolve("buffer.db");

        Agent first = startAgent(mqttUri, buffer);
        await().atMost(Duration.ofSeconds(60)).until(() -> first.acked.get() >= 10);

        ingest.close(); // the platform is unreachable
        await().atMost(Duration.ofSeconds(30)).until(() -> first.pending.get() >= 20);
        first.process.destroyForcibly(); // power cut on the gateway, in the middle of the outage
        first.process.waitFor();

        Agent second = startAgent(mqttUri, buffer);
        await().atMost(Duration.ofSeconds(60)).until(() -> second.pending.get() >= 40);

        ingest = startIngest(port); // the platform is back
        await().atMost(Duration.ofSeconds(90)).until(() -> second.acked.get() >= 60 && second.pending.get() <= 1);
        second.process.destroyForcibly();
        second.process.waitFor();

        // First arrival of each sequence number and of each reading: after the outage the agent sends its backlog
        // merged (a batch then covers first_sequence..sequence), and a resend may be merged differently.
        Set<Long> sequences = new LinkedHashSet<>();
        Map<String, List<Long>> firstArrivalTimes = new HashMap<>();
        Set<String> seenReadings = new HashSet<>();
        for (TelemetryBatch batch : readTopic()) {
            long firstSequence = batch.getFirstSequence() == 0 ? batch.getSequence() : batch.getFirstSequence();
            for (long sequence = firstSequence; sequence <= batch.getSequence(); sequence++) {
                sequences.add(sequence);
            }
            for (Reading r : batch.getReadingsList()) {
                if (seenReadings.add(r.getSensorId() + "@" + r.getTimestampMs())) {
                    firstArrivalTimes.computeIfAbsent(r.getSensorId(), k -> new ArrayList<>()).add(r.getTimestampMs());
                }
            }
        }
        long highest = sequences.stream().mapToLong(Long::longValue).max().orElseThrow();
        assertThat(highest).isGreaterThanOrEqualTo(60);
        assertThat(sequences).as("no batch missing, however often one was resent")
                .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, highest).boxed().toList());
        assertThat(List.copyOf(sequences)).as("batches first arrive in sequence order").isSorted();
        for (String sensor : List.of("gas-01", "gas-02")) {
            List<Long> times = firstArrivalTimes.get(sensor);
            assertThat(times).as(sensor + " readings in order").isSorted().doesNotHaveDuplicates();
            assertThat(times).hasSize((int) highest);
        }
    }

    private List<TelemetryBatch> readTopic() throws Exception {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-" + System.nanoTime());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<TelemetryBatch> batches = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(TOPIC));
            long emptyPolls = 0;
            while (emptyPolls < 3 || batches.isEmpty()) {
                var records = consumer.poll(Duration.ofSeconds(1));
                emptyPolls = records.isEmpty() ? emptyPolls + 1 : 0;
                for (ConsumerRecord<String, byte[]> record : records) {
                    assertThat(record.key()).isEqualTo("park-1/gw-1");
                    batches.add(TelemetryBatch.parseFrom(record.value()));
                }
            }
        }
        return batches;
    }
}
