package io.tocsin.standalone.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.IngestConfig;
import io.tocsin.ingest.IngestServer;
import io.tocsin.ingest.alarms.AlarmFanout;
import io.tocsin.ingest.console.ConsoleFeed;
import io.tocsin.ingest.console.KafkaConsoleFeed;
import io.tocsin.ingest.pubsub.RetainedMessages;
import io.tocsin.ingest.telemetry.TelemetryWriter;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.AlarmCommandResult;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.Severity;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.standalone.demo.MessageArrivedCallback;
import io.tocsin.standalone.ScratchDirectory;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;

/**
 * What an ingest node's restart costs the stations, on the embedded broker: an alarms topic holding {@code events}
 * alarm events of earlier days (activations of 2,000 sensors on 100 sites, each raised and back to normal, about
 * 10,000 still open), all published before the restart (the fan-out group's offsets at the end). Per round, a new
 * ingest server and alarm fan-out start with a station subscribed, and an alarm is produced at once: printed are
 * the time until that new alarm reached the station (the fan-out does not wait for its catch-up), the time until
 * the alarms not over were served (the catch-up reading the history); then a web console's feed starts and another
 * alarm is produced at once: printed are the time until the feed handed that new alarm to the console (its history
 * is read beside it, not before it) and the time until the feed had read the same history.
 *
 * <p>Arguments: events (default 500,000), rounds (default 3).
 */
public final class FanoutRestartBenchmark {

    private static final String TOPIC = "alarms";
    private static final String GROUP = "bench-node";
    private static final int SITES = 100;
    private static final int SENSORS_PER_SITE = 20;

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 500_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        try (ScratchDirectory dir = ScratchDirectory.create("fanout-restart");
             EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(dir.path(), 0, 0).start()) {
            kafka.createTopics(Map.of(TOPIC, 6, "command-results", 1, "status", 1, "telemetry", 1));
            String bootstrap = kafka.bootstrapServers();
            long t = System.nanoTime();
            int open = fill(bootstrap, events);
            System.out.printf("alarms topic: %,d events (%,d alarms still open) written in %d ms%n", events, open,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t));
            commitEndOffsets(bootstrap);
            System.out.println("| round | new alarm at the station | alarms not over served | new alarm at the web console "
                    + "feed | web console history loaded |");
            System.out.println("|---|---|---|---|---|");
            for (int round = 1; round <= rounds; round++) {
                round(bootstrap, round, open);
            }
        }
        System.exit(0); // the embedded broker's non-daemon threads
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
    }

    private static AlarmEvent event(int site, int sensor, long activation, AlarmState state, long timeMs) {
        String siteId = String.format("site-%03d", site);
        String sensorId = String.format("gas-%02d", sensor);
        return AlarmEvent.newBuilder().setAlarmId(siteId + "/" + sensorId + "/gas-high-1/" + activation)
                .setSiteId(siteId).setSensorId(sensorId).setRuleId("gas-high-1").setSeverity(Severity.SEVERITY_ORANGE)
                .setState(state).setValue(31.5).setThreshold(25).setRaisedAtMs(timeMs).setEventTimeMs(timeMs)
                .setActivation(activation).setDeviceId("gw-1").setRuleSetVersion("bench")
                .addStationIds("station-" + site % 40).addStationIds("control-room").build();
    }

    /** Writes the history; returns how many alarms are left open. Events are two days old (no longer "ended"). */
    private static int fill(String bootstrap, int events) throws Exception {
        long twoDaysAgo = System.currentTimeMillis() - Duration.ofDays(2).toMillis();
        int open = 0;
        // About 10,000 alarms left open whatever the history's length: with their three topics each, within the
        // ingest server's bound of current messages.
        int openEvery = Math.max(1, events / 20_000);
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            int sensors = SITES * SENSORS_PER_SITE;
            long[] activations = new long[sensors];
            for (int i = 0; i < events; ) {
                int s = (i / 2) % sensors;
                int site = s / SENSORS_PER_SITE;
                long activation = ++activations[s];
                AlarmEvent raised = event(site, s % SENSORS_PER_SITE, activation,
                        AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, twoDaysAgo + i);
                producer.send(new ProducerRecord<>(TOPIC, raised.getSiteId(), raised.toByteArray()));
                i++;
                boolean stays = (i / 2) % openEvery == 0 || i == events;
                if (stays) {
                    open++;
                    continue;
                }
                AlarmEvent back = raised.toBuilder().setState(AlarmState.ALARM_STATE_NORMAL)
                        .setEventTimeMs(twoDaysAgo + i).build();
                producer.send(new ProducerRecord<>(TOPIC, back.getSiteId(), back.toByteArray()));
                i++;
            }
            producer.flush();
        }
        return open;
    }

    /** As if the fan-out had published the whole history before the restart. */
    private static void commitEndOffsets(String bootstrap) {
        try (KafkaConsumer<String, byte[]> group = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = group.partitionsFor(TOPIC).stream()
                    .map(p -> new TopicPartition(TOPIC, p.partition())).toList();
            Map<TopicPartition, OffsetAndMetadata> ends = group.endOffsets(partitions).entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue())));
            group.commitSync(ends);
        }
    }

    private static void round(String bootstrap, int round, int open) throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TelemetryWriter noTelemetry = (device, payload) -> CompletableFuture.completedFuture(null);
        String probeId = "probe-site/gas-99/gas-high-1/" + round;
        CountDownLatch probeArrived = new CountDownLatch(1);
        long[] probeAt = new long[1];
        try (IngestServer server = IngestServer.builder(IngestConfig.defaults().withBindHost("127.0.0.1").withPort(0),
                noTelemetry, meters).build().start();
             KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
            MqttAsyncClient station = new MqttAsyncClient("tcp://127.0.0.1:" + server.port(), "station-" + round,
                    new MemoryPersistence());
            station.setCallback(new MessageArrivedCallback((topic, message) -> {
                // The first arrival: the catch-up's end publishes the alarms not over (the probe too) once more.
                if (topic.startsWith(MqttTopics.ALARMS_PREFIX + "probe-site") && probeArrived.getCount() > 0) {
                    probeAt[0] = System.nanoTime();
                    probeArrived.countDown();
                }
            }));
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            station.connect(options).waitForCompletion(10_000);
            station.subscribe(MqttTopics.ALL_ALARMS, 1).waitForCompletion(10_000);

            RetainedMessages current = (RetainedMessages) server.currentMessages();
            long started = System.nanoTime();
            try (AlarmFanout fanout = new AlarmFanout(bootstrap, TOPIC, GROUP, server.subscriptions(), current,
                    meters).start()) {
                AlarmEvent probe = AlarmEvent.newBuilder().setAlarmId(probeId).setSiteId("probe-site")
                        .setSensorId("gas-99").setRuleId("gas-high-1").setState(AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED)
                        .setEventTimeMs(System.currentTimeMillis()).build();
                producer.send(new ProducerRecord<>(TOPIC, "probe-site", probe.toByteArray())).get();
                boolean arrived = probeArrived.await(120, TimeUnit.SECONDS);
                // Served: every open alarm (site topic + two station topics) and the probe on its site topic.
                int expected = open * 3 + 1;
                Awaitility.await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(20))
                        .until(() -> current.size() >= expected);
                long served = System.nanoTime();
                long[] web = webConsoleStart(bootstrap, producer, probe.toBuilder()
                        .setAlarmId("probe-site/gas-98/gas-high-1/" + round).setSensorId("gas-98").build());
                System.out.printf("| %d | %s | %,d ms | %,d ms | %,d ms |%n", round,
                        arrived ? String.format("%,d ms", TimeUnit.NANOSECONDS.toMillis(probeAt[0] - started))
                                : "not within 120 s",
                        TimeUnit.NANOSECONDS.toMillis(served - started), web[0], web[1]);
            }
            station.disconnect().waitForCompletion(5_000);
            station.close();
        }
    }

    /**
     * Starts a web console's feed and produces {@code probe} at once: milliseconds from the start until the feed
     * handed the probe to the console as a new alarm, and until it said its alarm history was loaded (-1: not
     * within 5 minutes).
     */
    private static long[] webConsoleStart(String bootstrap, KafkaProducer<String, byte[]> producer, AlarmEvent probe)
            throws Exception {
        CountDownLatch historyStarts = new CountDownLatch(1);
        CountDownLatch probeArrived = new CountDownLatch(1);
        CountDownLatch loaded = new CountDownLatch(1);
        long[] at = {-1, -1};
        long started = System.nanoTime();
        ConsoleFeed feed = new ConsoleFeed() {
            @Override
            public void alarm(AlarmEvent event) {
                if (event.getAlarmId().equals(probe.getAlarmId()) && probeArrived.getCount() > 0) {
                    at[0] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                    probeArrived.countDown();
                }
            }

            @Override
            public void alarmHistoryStarts() {
                historyStarts.countDown();
            }

            @Override
            public void historicAlarms(List<AlarmEvent> events) {
            }

            @Override
            public void alarmHistoryLoaded() {
                at[1] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                loaded.countDown();
            }

            @Override
            public void commandResult(AlarmCommandResult result) {
            }

            @Override
            public void deviceStatus(DeviceStatus status) {
            }

            @Override
            public void telemetry(TelemetryBatch batch) {
            }

            @Override
            public void feedHealthy(boolean healthy) {
            }
        };
        try (KafkaConsoleFeed console = new KafkaConsoleFeed(bootstrap,
                new KafkaConsoleFeed.Topics(TOPIC, "command-results", "status", "telemetry"), feed,
                new SimpleMeterRegistry()).start()) {
            // Once the feed has found where the history ends, not before: a probe written before would be history.
            historyStarts.await(1, TimeUnit.MINUTES);
            producer.send(new ProducerRecord<>(TOPIC, probe.getSiteId(), probe.toByteArray())).get();
            probeArrived.await(5, TimeUnit.MINUTES);
            loaded.await(5, TimeUnit.MINUTES);
            return at.clone();
        }
    }
}
