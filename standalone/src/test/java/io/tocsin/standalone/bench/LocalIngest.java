package io.tocsin.standalone.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.IngestConfig;
import io.tocsin.ingest.IngestServer;
import io.tocsin.ingest.telemetry.KafkaTelemetryWriter;
import io.tocsin.standalone.ScratchDirectory;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A benchmark peer, not a test: the ingest server on a real embedded Kafka broker, in a process of its own, so
 * that a load generator in another process (an edge agent replaying its buffer, a fleet of clients) talks to
 * it over real TCP. Prints the MQTT URI, runs until killed.
 *
 * <pre>
 * ./mvnw -B -q -o test-compile -pl standalone
 * ./mvnw -B -q -o dependency:build-classpath -pl standalone -Dmdep.outputFile=/tmp/sa-cp.txt
 * java -cp "standalone/target/test-classes:standalone/target/classes:$(cat /tmp/sa-cp.txt)" \
 *     io.tocsin.standalone.bench.LocalIngest 1884
 * </pre>
 */
public final class LocalIngest {

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 1884;
        try (ScratchDirectory dataDir = ScratchDirectory.create("tocsin-local-ingest");
             EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(dataDir.path(), 0, 0).start()) {
            kafka.createTopics(Map.of("telemetry", 4));
            try (KafkaTelemetryWriter writer = new KafkaTelemetryWriter(kafka.bootstrapServers(), "telemetry",
                    Duration.ofSeconds(30), Map.of());
                 IngestServer ingest = new IngestServer(IngestConfig.defaults().withBindHost("127.0.0.1")
                         .withPort(port), writer, new SimpleMeterRegistry()).start()) {
                System.out.println("ingest ready: tcp://127.0.0.1:" + ingest.port() + " (Kafka "
                        + kafka.bootstrapServers() + ")");
                CountDownLatch stop = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
                stop.await();
            }
        }
    }
}
