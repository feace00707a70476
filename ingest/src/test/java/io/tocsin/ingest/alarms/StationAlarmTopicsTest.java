package io.tocsin.ingest.alarms;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.SessionLimits;
import io.tocsin.ingest.auth.CredentialRegistry;
import io.tocsin.ingest.auth.Identity;
import io.tocsin.ingest.auth.PasswordHash;
import io.tocsin.ingest.mqtt.PublishValidationHandler;
import io.tocsin.ingest.pubsub.Sessions;
import io.tocsin.ingest.pubsub.SubscribeHandler;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.ingest.support.V3Client;
import io.tocsin.ingest.support.V5Client;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;
import io.tocsin.proto.v1.Severity;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Per-station alarm topics with real Paho clients and a real server: the fan-out publishes each alarm on the topic of
 * every station it is routed to, a station may subscribe to its own topic only, and a console away with a persistent
 * session gets what it missed on it (bounded).
 */
class StationAlarmTopicsTest {

    private static final String ALARMS_TOPIC = "tocsin.alarms";
    private static final TopicPartition PARTITION = new TopicPartition(ALARMS_TOPIC, 0);
    private static final String PASSWORD = "station secret";
    private static final String OWN = MqttTopics.stationAlarms("station-07");
    private static final String OTHER = MqttTopics.stationAlarms("station-09");
    private static final int MAX_QUEUED = 2;

    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    private final SimpleMeterRegistry fanoutMeters = new SimpleMeterRegistry();
    private long nextOffset;
    private TestServer server;
    private AlarmFanout fanout;

    @BeforeEach
    void start() {
        PasswordHash hash = PasswordHash.create(PASSWORD.toCharArray(), PasswordHash.MIN_ITERATIONS);
        CredentialRegistry registry = CredentialRegistry.of(Map.of(
                "station-07", new CredentialRegistry.Entry(Identity.station("station-07", Set.of("park-north")), hash),
                "station-09", new CredentialRegistry.Entry(Identity.station("station-09", Set.of("park-south")), hash),
                "gw-01", new CredentialRegistry.Entry(Identity.device("gw-01", "park-north", "gw-01"), hash)));
        server = TestServer.startWith(builder -> builder.credentials(registry)
                .sessionLimits(new SessionLimits(MAX_QUEUED, Duration.ofHours(1))));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(PARTITION));
            consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        });
        fanout = new AlarmFanout(consumer, () -> new MockConsumer<>("earliest"), ALARMS_TOPIC, server.server.subscriptions(),
                server.server.currentMessages(), fanoutMeters).start();
    }

    @AfterEach
    void stop() {
        fanout.close();
        server.close();
    }

    private static AlarmEvent alarm(String alarmId, String site, String... stations) {
        return AlarmEvent.newBuilder().setAlarmId(alarmId).setSiteId(site).setSensorId("gas-03").setRuleId("high")
                .setSeverity(Severity.SEVERITY_RED).setState(AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED)
                .addAllStationIds(List.of(stations)).build();
    }

    private void fanOut(AlarmEvent event) {
        long offset = nextOffset++;
        consumer.schedulePollTask(() -> consumer.addRecord(
                new ConsumerRecord<>(ALARMS_TOPIC, 0, offset, event.getSiteId(), event.toByteArray())));
    }

    private static String alarmId(V5Client.Received received) throws Exception {
        return AlarmEvent.parseFrom(received.payload()).getAlarmId();
    }

    private V5Client login(String station, boolean persistent) throws Exception {
        return V5Client.connect(server.uri(), station + "-console", o -> {
            credentials(o, station);
            if (persistent) {
                o.setCleanStart(false);
                o.setSessionExpiryInterval(600L);
            }
        });
    }

    private static void credentials(MqttConnectionOptions options, String user) {
        options.setUserName(user);
        options.setPassword(PASSWORD.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void eachAlarmReachesTheStationsItIsRoutedToOnTheirOwnTopics() throws Exception {
        try (V5Client station7 = login("station-07", false);
             V5Client station9 = login("station-09", false)) {
            assertThat(station7.subscribe(OWN, 1).getReasonCodes()).containsExactly(0x01);
            assertThat(station9.subscribe(OTHER, 1).getReasonCodes()).containsExactly(0x01);

            fanOut(alarm("park-north/gas-03/high/1", "park-north", "station-07"));
            // An escalation of the same alarm to the next station (another site's) and the control room.
            fanOut(alarm("park-north/gas-03/high/1", "park-north", "station-09", "control-room"));

            V5Client.Received first = station7.awaitMessage();
            assertThat(first.topic()).isEqualTo(OWN);
            assertThat(first.qos()).isEqualTo(1);
            assertThat(alarmId(first)).isEqualTo("park-north/gas-03/high/1");
            // station-09's first message is the escalation: the first event was not published on its topic.
            V5Client.Received escalated = station9.awaitMessage();
            assertThat(escalated.topic()).isEqualTo(OTHER);
            assertThat(AlarmEvent.parseFrom(escalated.payload()).getStationIdsList())
                    .containsExactly("station-09", "control-room");
            station7.sync(server);
            assertThat(station7.received()).as("station-07 is not among the escalation's stations").isEmpty();
        }
        assertThat(fanoutMeters.counter(AlarmFanout.DELIVERED).count()).isEqualTo(2);
    }

    @Test
    void aStationMaySubscribeToItsOwnTopicOnlyAndNobodyMayPublishOnOne() throws Exception {
        double refusedBefore = server.count(SubscribeHandler.SUBSCRIBE_REFUSED, "reason", "not_authorized");
        try (V5Client station7 = login("station-07", false);
             V5Client device = V5Client.connect(server.uri(), "gw-01", o -> credentials(o, "gw-01"))) {
            assertThat(station7.subscribe(OTHER, 1).getReasonCodes()).containsExactly(0x87);
            assertThat(station7.subscribe("tocsin/v1/stations/+/alarms", 1).getReasonCodes()).containsExactly(0x87);
            assertThat(station7.subscribe("tocsin/v1/stations/#", 1).getReasonCodes()).containsExactly(0x87);
            assertThat(station7.subscribe("tocsin/v1/+/station-09/alarms", 1).getReasonCodes()).containsExactly(0x87);
            assertThat(station7.subscribe("$share/room/" + OTHER, 1).getReasonCodes()).containsExactly(0x87);
            assertThat(station7.subscribe("tocsin/v1/stations/station-07/#", 1).getReasonCodes())
                    .containsExactly(0x01);
            assertThat(device.subscribe(OWN, 1).getReasonCodes()).containsExactly(0x87);

            assertThat(station7.publishAndWait(OWN, new byte[] {1}, 1).getReasonCodes()).containsExactly(0x87);
            assertThat(server.count(PublishValidationHandler.PUBLISH_REFUSED, "reason", "reserved_topic"))
                    .isEqualTo(1);
        }
        assertThat(server.count(SubscribeHandler.SUBSCRIBE_REFUSED, "reason", "not_authorized"))
                .isEqualTo(refusedBefore + 6);

        try (V3Client station9 = V3Client.connect(server.uri(), "station-09-v3", o -> {
            o.setUserName("station-09");
            o.setPassword(PASSWORD.toCharArray());
        })) {
            // MQTT 3.1.1 has one failure code for a refused filter: 0x80.
            org.eclipse.paho.client.mqttv3.IMqttToken token =
                    station9.paho().subscribe(new String[] {OTHER, OWN}, new int[] {1, 1});
            token.waitForCompletion(V3Client.TIMEOUT_MS);
            assertThat(token.getGrantedQos()).containsExactly(1, 0x80);
        }
    }

    @Test
    void aConsoleAwayWithAPersistentSessionGetsWhatItMissedOnItsTopicBounded() throws Exception {
        try (V5Client console = login("station-07", true)) {
            console.subscribe(OWN, 1);
        }
        await().until(() -> server.server.clients().find("station-07-console").isEmpty());
        double overflowBefore = server.count(Sessions.QUEUE_OVERFLOW);

        fanOut(alarm("park-north/gas-01/high/1", "park-north", "station-07"));
        fanOut(alarm("park-north/gas-02/high/1", "park-north", "station-07"));
        fanOut(alarm("park-north/gas-03/high/1", "park-north", "station-07"));
        await().until(() -> fanoutMeters.counter(AlarmFanout.DELIVERED).count() == 3);
        assertThat(server.count(Sessions.QUEUE_OVERFLOW)).as("the bound bit once").isEqualTo(overflowBefore + 1);

        try (V5Client console = login("station-07", true)) {
            assertThat(console.connectToken().getSessionPresent()).isTrue();
            assertThat(alarmId(console.awaitMessage())).isEqualTo("park-north/gas-02/high/1");
            assertThat(alarmId(console.awaitMessage())).isEqualTo("park-north/gas-03/high/1");
            fanOut(alarm("park-north/gas-04/high/1", "park-north", "station-07"));
            V5Client.Received live = console.awaitMessage();
            assertThat(live.topic()).isEqualTo(OWN);
            assertThat(alarmId(live)).isEqualTo("park-north/gas-04/high/1");
        }
    }
}
