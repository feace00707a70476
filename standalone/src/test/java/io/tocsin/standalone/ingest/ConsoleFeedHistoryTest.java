package io.tocsin.standalone.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.console.ConsoleFeed;
import io.tocsin.ingest.console.ConsoleServer;
import io.tocsin.ingest.console.ConsoleSettings;
import io.tocsin.ingest.console.KafkaConsoleFeed;
import io.tocsin.proto.v1.AlarmCommandResult;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.Severity;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console's feed after a restart: a new alarm reaches the console while the alarm history is still being
 * read (here: held up in the console on purpose), not after it, and the history is every event before, once.
 * Real parts: an embedded KRaft broker with a two-partition alarms topic, {@link KafkaConsoleFeed}, and behind a
 * recording feed a real {@link ConsoleServer}'s alarm list.
 */
class ConsoleFeedHistoryTest {

    private static final String TOPIC = "alarms";

    @TempDir
    Path dataDir;

    private static AlarmEvent alarm(String site, String sensor, AlarmState state) {
        return AlarmEvent.newBuilder().setAlarmId(site + "/" + sensor + "/high/1").setSiteId(site)
                .setSensorId(sensor).setRuleId("high").setSeverity(Severity.SEVERITY_RED).setState(state)
                .setRaisedAtMs(1_000).setEventTimeMs(System.currentTimeMillis()).addStationIds("station-07").build();
    }

    /** Records what the feed says (in the order it says it) and hands it to the console; holds the history up. */
    private static final class RecordingFeed implements ConsoleFeed {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final CountDownLatch historyStarted = new CountDownLatch(1);
        final CountDownLatch historyHeldUp = new CountDownLatch(1);
        final CountDownLatch releaseHistory = new CountDownLatch(1);
        final CountDownLatch loaded = new CountDownLatch(1);
        private final ConsoleServer console;

        RecordingFeed(ConsoleServer console) {
            this.console = console;
        }

        @Override
        public void alarm(AlarmEvent event) {
            calls.add("new " + event.getSensorId() + " " + event.getState());
            console.alarm(event);
        }

        @Override
        public void alarmHistoryStarts() {
            calls.add("history starts");
            console.alarmHistoryStarts();
            historyStarted.countDown();
        }

        @Override
        public void historicAlarms(List<AlarmEvent> events) {
            historyHeldUp.countDown();
            try {
                if (!releaseHistory.await(60, TimeUnit.SECONDS)) {
                    throw new AssertionError("the history was never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            events.forEach(event -> calls.add("history " + event.getSensorId() + " " + event.getState()));
            console.historicAlarms(events);
        }

        @Override
        public void alarmHistoryLoaded() {
            calls.add("history loaded");
            console.alarmHistoryLoaded();
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
            console.feedHealthy(healthy);
        }
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES) // a safety net: every wait inside is bounded
    void aNewAlarmReachesTheConsoleWhileTheHistoryIsStillRead() throws Exception {
        AlarmEvent acknowledgedLater = alarm("park-1", "gas-01", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
        AlarmEvent open = alarm("works-2", "gas-05", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
        AlarmEvent over = alarm("park-1", "gas-03", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
        AlarmEvent raisedAfterStart = alarm("park-1", "gas-04", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(dataDir, 0, 0).start();
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                     ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                     ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()));
             ConsoleServer console = ConsoleServer.builder(ConsoleSettings.defaults().withBind("127.0.0.1", 0),
                     command -> CompletableFuture.completedFuture(null), meters).build()) {
            kafka.createTopics(Map.of(TOPIC, 2, "command-results", 1, "status", 1, "telemetry", 1));
            for (AlarmEvent event : List.of(acknowledgedLater, open, over,
                    over.toBuilder().setState(AlarmState.ALARM_STATE_NORMAL).build())) {
                producer.send(new ProducerRecord<>(TOPIC, event.getSiteId(), event.toByteArray())).get();
            }
            RecordingFeed feed = new RecordingFeed(console);

            try (KafkaConsoleFeed ignored = new KafkaConsoleFeed(kafka.bootstrapServers(),
                    new KafkaConsoleFeed.Topics(TOPIC, "command-results", "status", "telemetry"), feed, meters)
                    .start()) {
                assertThat(feed.historyStarted.await(60, TimeUnit.SECONDS)).isTrue();
                assertThat(feed.historyHeldUp.await(60, TimeUnit.SECONDS)).isTrue();
                for (AlarmEvent event : List.of(raisedAfterStart, acknowledgedLater.toBuilder()
                        .setState(AlarmState.ALARM_STATE_ACTIVE_ACKNOWLEDGED).setActor("station-07").build())) {
                    producer.send(new ProducerRecord<>(TOPIC, event.getSiteId(), event.toByteArray())).get();
                }

                await().atMost(Duration.ofSeconds(60)).until(() -> feed.calls.size() == 3);
                assertThat(feed.calls).as("new alarms while the history is held up").containsExactly(
                        "history starts", "new gas-04 ALARM_STATE_ACTIVE_UNACKNOWLEDGED",
                        "new gas-01 ALARM_STATE_ACTIVE_ACKNOWLEDGED");

                feed.releaseHistory.countDown();
                assertThat(feed.loaded.await(60, TimeUnit.SECONDS)).isTrue();
            }

            List<String> history = feed.calls.subList(3, feed.calls.size() - 1);
            assertThat(history).as("every event before the start, once").containsExactlyInAnyOrder(
                    "history gas-01 ALARM_STATE_ACTIVE_UNACKNOWLEDGED", "history gas-05 ALARM_STATE_ACTIVE_UNACKNOWLEDGED",
                    "history gas-03 ALARM_STATE_ACTIVE_UNACKNOWLEDGED", "history gas-03 ALARM_STATE_NORMAL");
            assertThat(history).as("in topic order per site").containsSubsequence(
                    "history gas-03 ALARM_STATE_ACTIVE_UNACKNOWLEDGED", "history gas-03 ALARM_STATE_NORMAL");
            assertThat(feed.calls.get(feed.calls.size() - 1)).isEqualTo("history loaded");
            // gas-01 (acknowledged: its older raise did not bring it back), gas-04 and gas-05; gas-03 is over.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(meters.get(ConsoleServer.ACTIVE_ALARMS).gauge().value()).isEqualTo(3.0));
        }
    }
}
