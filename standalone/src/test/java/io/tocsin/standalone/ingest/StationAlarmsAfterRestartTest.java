package io.tocsin.standalone.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.IngestConfig;
import io.tocsin.ingest.IngestServer;
import io.tocsin.ingest.alarms.AlarmFanout;
import io.tocsin.ingest.telemetry.TelemetryWriter;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;
import io.tocsin.proto.v1.Severity;
import io.tocsin.standalone.demo.MessageArrivedCallback;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ingest node restarts (sessions are in its memory, so they are gone) while an alarm is raised: the station's
 * console, reconnecting without its session, still gets every alarm that is not over, and of one that is over only
 * its end (to clear it).
 * Real parts: an embedded KRaft broker with a two-partition alarms topic, the ingest server and its alarm fan-out
 * stopped and started again with the same consumer group, real Paho MQTT 5 consoles.
 */
class StationAlarmsAfterRestartTest {

    private static final String TOPIC = "alarms";
    private static final String GROUP = "restart-node";
    private static final String STATION = "station-07";

    @TempDir
    Path dataDir;

    private record Received(String alarmId, AlarmState state, boolean retained) {
    }

    private static AlarmEvent alarm(String sensor, AlarmState state) {
        return AlarmEvent.newBuilder().setAlarmId("park-north/" + sensor + "/high/1").setSiteId("park-north")
                .setSensorId(sensor).setRuleId("high").setSeverity(Severity.SEVERITY_RED).setState(state)
                .setEventTimeMs(System.currentTimeMillis())
                .addStationIds(STATION).build();
    }

    private static IngestServer ingest(SimpleMeterRegistry meters) {
        TelemetryWriter noTelemetry = (device, payload) -> CompletableFuture.completedFuture(null);
        return IngestServer.builder(IngestConfig.defaults().withBindHost("127.0.0.1").withPort(0), noTelemetry, meters)
                .build().start();
    }

    /** A console subscribed to the station's alarm topic, with a clean start (no session to come back to). */
    private static MqttAsyncClient console(IngestServer server, String clientId, List<Received> into)
            throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient("tcp://127.0.0.1:" + server.port(), clientId,
                new MemoryPersistence());
        client.setCallback(new MessageArrivedCallback((topic, message) -> {
            try {
                AlarmEvent event = AlarmEvent.parseFrom(message.getPayload());
                into.add(new Received(event.getAlarmId(), event.getState(), message.isRetained()));
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
        }));
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        client.connect(options).waitForCompletion(10_000);
        client.subscribe(MqttTopics.stationAlarms(STATION), 1).waitForCompletion(10_000);
        return client;
    }

    private static void close(MqttAsyncClient client) throws MqttException {
        client.disconnect().waitForCompletion(5_000);
        client.close();
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES) // a safety net: every wait inside is bounded
    void aConsoleReconnectingAfterARestartGetsEveryAlarmNotOverAndOnlyTheEndOfOneOver() throws Exception {
        AlarmEvent open = alarm("gas-01", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
        AlarmEvent over = alarm("gas-02", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
        AlarmEvent raisedWhileDown = alarm("gas-03", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
        try (EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(dataDir, 0, 0).start();
             KafkaProducer<String, byte[]> alarms = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                     ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                     ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName()))) {
            kafka.createTopics(Map.of(TOPIC, 2));
            String bootstrap = kafka.bootstrapServers();

            SimpleMeterRegistry before = new SimpleMeterRegistry();
            try (IngestServer node = ingest(before);
                 AlarmFanout fanout = new AlarmFanout(bootstrap, TOPIC, GROUP, node.subscriptions(),
                         node.currentMessages(), before).start()) {
                List<Received> seen = new CopyOnWriteArrayList<>();
                MqttAsyncClient console = console(node, "console-1", seen);
                for (AlarmEvent event : List.of(open, over,
                        over.toBuilder().setState(AlarmState.ALARM_STATE_NORMAL).build())) {
                    alarms.send(new ProducerRecord<>(TOPIC, event.getAlarmId(), event.toByteArray())).get();
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> seen.size() == 3);
                close(console);
            } // the fan-out commits what it published as it stops

            alarms.send(new ProducerRecord<>(TOPIC, raisedWhileDown.getAlarmId(), raisedWhileDown.toByteArray()))
                    .get();

            SimpleMeterRegistry after = new SimpleMeterRegistry();
            try (IngestServer node = ingest(after);
                 AlarmFanout fanout = new AlarmFanout(bootstrap, TOPIC, GROUP, node.subscriptions(),
                         node.currentMessages(), after).start()) {
                // Reconnects at once: may subscribe before or after the fan-out has read the topic again.
                List<Received> reconnected = new CopyOnWriteArrayList<>();
                MqttAsyncClient console = console(node, "console-1", reconnected);
                await().atMost(Duration.ofSeconds(60)).until(() -> reconnected.stream().map(Received::alarmId)
                        .distinct().count() == 3);
                assertThat(reconnected).extracting(Received::alarmId)
                        .containsOnly(open.getAlarmId(), over.getAlarmId(), raisedWhileDown.getAlarmId());
                assertThat(reconnected).filteredOn(r -> r.alarmId().equals(over.getAlarmId()))
                        .extracting(Received::state).containsOnly(AlarmState.ALARM_STATE_NORMAL);

                // A console that subscribes now gets exactly the two alarms not over and the end of the third,
                // flagged RETAIN.
                List<Received> later = new CopyOnWriteArrayList<>();
                MqttAsyncClient laterConsole = console(node, "console-2", later);
                await().atMost(Duration.ofSeconds(30)).until(() -> later.size() >= 3);
                assertThat(later).containsExactlyInAnyOrder(
                        new Received(open.getAlarmId(), AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, true),
                        new Received(over.getAlarmId(), AlarmState.ALARM_STATE_NORMAL, true),
                        new Received(raisedWhileDown.getAlarmId(), AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED,
                                true));
                // Only the alarm raised while the node was down was published as new.
                assertThat(after.counter(AlarmFanout.DELIVERED).count() + after.counter(AlarmFanout.UNROUTED).count())
                        .isEqualTo(1);
                close(laterConsole);
                close(console);
            }
        }
    }
}
