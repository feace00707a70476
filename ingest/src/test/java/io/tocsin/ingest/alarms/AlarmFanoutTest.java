package io.tocsin.ingest.alarms;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.tocsin.ingest.pubsub.RetainedMessages;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.ingest.support.V5Client;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;
import io.tocsin.proto.v1.Severity;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The fan-out loop on Kafka's MockConsumer (a real broker is exercised in the standalone module). */
class AlarmFanoutTest {

    private static final String TOPIC = "tocsin.alarms";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final RetainedMessages current = new RetainedMessages(1_000, meters);
    private long nextOffset;

    /** The catch-up's consumer for a group that has committed nothing: it finds nothing to read. */
    private MockConsumer<String, byte[]> noCatchUp() {
        return new MockConsumer<>("earliest");
    }

    private static AlarmEvent alarm(String siteId, String alarmId) {
        return AlarmEvent.newBuilder()
                .setAlarmId(alarmId)
                .setSiteId(siteId)
                .setEventTimeMs(System.currentTimeMillis())
                .setSensorId("gas-03")
                .setRuleId("high")
                .setSeverity(Severity.SEVERITY_RED)
                .setState(AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED)
                .setValue(42)
                .setThreshold(20)
                .build();
    }

    private static AlarmEvent withState(AlarmEvent event, AlarmState state) {
        return event.toBuilder().setState(state).build();
    }

    private static String alarmId(byte[] payload) {
        try {
            return AlarmEvent.parseFrom(payload).getAlarmId();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private void assignPartition() {
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(PARTITION));
            consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
        });
    }

    private void addRecord(byte[] value) {
        long offset = nextOffset++;
        consumer.schedulePollTask(() -> consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset, "key", value)));
    }

    @Test
    void publishesEachAlarmOnItsSiteTopicAndSkipsBadRecords() {
        List<String> published = new CopyOnWriteArrayList<>();
        assignPartition();
        byte[] first = alarm("park-north", "a-1").toByteArray();
        addRecord(first);
        addRecord(new byte[] {(byte) 0xFF, 0x01}); // not an AlarmEvent
        addRecord(null); // tombstone
        addRecord(alarm("", "no-site").toByteArray()); // unusable site id
        addRecord(alarm("park-south", "a-2").toByteArray());

        try (AlarmFanout fanout = new AlarmFanout(consumer, this::noCatchUp, TOPIC, (topic, payload, qos) -> {
            assertThat(qos).isEqualTo(MqttQoS.AT_LEAST_ONCE);
            published.add(topic + " " + alarmId(payload));
            return 1;
        }, current, meters).start()) {
            await().until(() -> published.size() == 2);
            assertThat(published).containsExactly("tocsin/v1/alarms/park-north a-1", "tocsin/v1/alarms/park-south a-2");
        }
        assertThat(consumer.closed()).isTrue();
        assertThat(meters.counter(AlarmFanout.DELIVERED).count()).isEqualTo(2);
        assertThat(meters.counter(AlarmFanout.BAD).count()).isEqualTo(3);
    }

    @Test
    void countsAlarmsNobodyIsSubscribedTo() {
        assignPartition();
        addRecord(alarm("park-north", "a-1").toByteArray());

        try (AlarmFanout fanout = new AlarmFanout(consumer, this::noCatchUp, TOPIC, (topic, payload, qos) -> 0, current, meters).start()) {
            await().until(() -> meters.counter(AlarmFanout.UNROUTED).count() == 1);
        }
        assertThat(meters.counter(AlarmFanout.DELIVERED).count()).isZero();
    }

    @Test
    void aFailingPublisherDoesNotStopTheLoop() {
        List<String> published = new CopyOnWriteArrayList<>();
        assignPartition();
        addRecord(alarm("boom", "a-1").toByteArray());
        addRecord(alarm("park-north", "a-2").toByteArray());

        try (AlarmFanout fanout = new AlarmFanout(consumer, this::noCatchUp, TOPIC, (topic, payload, qos) -> {
            if (topic.endsWith("boom")) {
                throw new IllegalStateException("test: publish failed");
            }
            published.add(topic);
            return 1;
        }, current, meters).start()) {
            await().until(() -> published.size() == 1);
        }
        assertThat(meters.counter(AlarmFanout.FAILED).count()).isEqualTo(1);
    }

    @Test
    void closeWithoutStartClosesTheConsumer() {
        new AlarmFanout(consumer, this::noCatchUp, TOPIC, (topic, payload, qos) -> 0, current, meters).close();
        assertThat(consumer.closed()).isTrue();
    }

    @Test
    void alarmsReachSubscribedStationsThroughTheServer() throws Exception {
        byte[] event = alarm("park-north", "park-north/gas-03/high/1").toByteArray();
        try (TestServer server = TestServer.start();
             V5Client station = V5Client.connect(server.uri(), "station-1")) {
            station.subscribe(MqttTopics.ALL_ALARMS, 1);
            assignPartition();
            addRecord(event);

            try (AlarmFanout fanout = new AlarmFanout(consumer, this::noCatchUp, TOPIC, server.server.subscriptions(),
                    server.server.currentMessages(), meters).start()) {
                V5Client.Received received = station.awaitMessage();
                assertThat(received.topic()).isEqualTo("tocsin/v1/alarms/park-north");
                assertThat(received.qos()).isEqualTo(1);
                assertThat(received.payload()).isEqualTo(event);
            }
        }
    }

    /**
     * A console that subscribes after the alarms were published (it reconnected without its session) still gets
     * each alarm that is not over, its latest event, flagged RETAIN, and the NORMAL of one that ended (to clear it).
     */
    @Test
    void aConsoleSubscribingLaterGetsTheAlarmsNotOverAndTheEndOfOneThatEndedFlaggedRetain() throws Exception {
        AlarmEvent open = alarm("park-north", "park-north/gas-03/high/1");
        AlarmEvent openAcked = withState(open, AlarmState.ALARM_STATE_ACTIVE_ACKNOWLEDGED);
        AlarmEvent over = alarm("park-north", "park-north/gas-04/high/1");
        try (TestServer server = TestServer.start()) {
            assignPartition();
            addRecord(open.toByteArray());
            addRecord(over.toByteArray());
            addRecord(openAcked.toByteArray());
            addRecord(withState(over, AlarmState.ALARM_STATE_NORMAL).toByteArray());
            try (AlarmFanout fanout = new AlarmFanout(consumer, this::noCatchUp, TOPIC, server.server.subscriptions(),
                    server.server.currentMessages(), meters).start()) {
                await().until(() -> meters.counter(AlarmFanout.UNROUTED).count() == 4);

                try (V5Client station = V5Client.connect(server.uri(), "station-1")) {
                    station.subscribe(MqttTopics.ALL_ALARMS, 1);

                    V5Client.Received first = station.awaitMessage();
                    V5Client.Received second = station.awaitMessage();
                    assertThat(List.of(first, second)).allSatisfy(received -> {
                        assertThat(received.topic()).isEqualTo("tocsin/v1/alarms/park-north");
                        assertThat(received.retained()).isTrue();
                    });
                    assertThat(List.of(AlarmEvent.parseFrom(first.payload()), AlarmEvent.parseFrom(second.payload())))
                            .containsExactlyInAnyOrder(withState(over, AlarmState.ALARM_STATE_NORMAL), openAcked);
                    // The next live event comes after it, not flagged: nothing else was waiting.
                    addRecord(withState(open, AlarmState.ALARM_STATE_RETURNED_UNACKNOWLEDGED).toByteArray());
                    V5Client.Received next = station.awaitMessage();
                    assertThat(next.retained()).isFalse();
                    assertThat(AlarmEvent.parseFrom(next.payload()).getState())
                            .isEqualTo(AlarmState.ALARM_STATE_RETURNED_UNACKNOWLEDGED);
                }
            }
        }
    }

    /**
     * After a restart of the fan-out (its group has committed offsets): it publishes from there, a catch-up on a
     * consumer of its own reads what came before; those alarms are published again only once, to the consoles
     * subscribed when the catch-up is done, and every alarm not over is served to new subscriptions.
     */
    @Test
    void afterARestartPublishesOnlyWhatIsNewAndServesEveryAlarmNotOver() throws Exception {
        AlarmEvent before1 = alarm("park-north", "park-north/gas-01/high/1");
        AlarmEvent before2 = alarm("park-north", "park-north/gas-02/high/1");
        AlarmEvent after = alarm("park-north", "park-north/gas-03/high/1");
        try (TestServer server = TestServer.start();
             V5Client live = V5Client.connect(server.uri(), "station-live")) {
            live.subscribe(MqttTopics.ALL_ALARMS, 1);
            consumer.schedulePollTask(() -> {
                consumer.commitSync(Map.of(PARTITION, new OffsetAndMetadata(2))); // before the restart
                consumer.rebalance(List.of(PARTITION));
                consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
            });
            nextOffset = 2; // the fan-out resumes at its committed offset: it reads the new alarm only
            addRecord(after.toByteArray());
            // The catch-up reads the partition from its beginning on a consumer of its own.
            // (MockConsumer forgets commits on assign: the group's committed offset is answered here.)
            MockConsumer<String, byte[]> catchUp = new MockConsumer<>("earliest") {
                @Override
                public synchronized Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
                    return Map.of(PARTITION, new OffsetAndMetadata(2));
                }
            };
            catchUp.updateBeginningOffsets(Map.of(PARTITION, 0L));
            catchUp.schedulePollTask(() -> {
                long offset = 0;
                for (AlarmEvent event : List.of(before1, before2, after)) {
                    catchUp.addRecord(new ConsumerRecord<>(TOPIC, 0, offset++, "key", event.toByteArray()));
                }
            });

            try (AlarmFanout fanout = new AlarmFanout(consumer, () -> catchUp, TOPIC, server.server.subscriptions(),
                    server.server.currentMessages(), meters).start()) {
                // The new alarm live; the two from before the restart once the catch-up is done (this console might
                // have subscribed during it), the new one again if it was already known then.
                List<String> liveIds = new ArrayList<>();
                while (liveIds.stream().distinct().count() < 3) {
                    liveIds.add(alarmId(live.awaitMessage().payload()));
                }
                assertThat(liveIds).containsOnly(before1.getAlarmId(), before2.getAlarmId(), after.getAlarmId())
                        .hasSizeLessThanOrEqualTo(4);
                await().until(() -> server.server.currentMessages() instanceof RetainedMessages r && r.size() == 3);
                assertThat(meters.get(AlarmFanout.OPEN).gauge().value()).isEqualTo(3);
                assertThat(meters.get(AlarmFanout.CATCHING_UP).gauge().value()).isZero();

                try (V5Client later = V5Client.connect(server.uri(), "station-later")) {
                    later.subscribe(MqttTopics.ALL_ALARMS, 1);
                    List<String> ids = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        V5Client.Received received = later.awaitMessage();
                        assertThat(received.retained()).isTrue();
                        ids.add(alarmId(received.payload()));
                    }
                    assertThat(ids).containsExactlyInAnyOrder(before1.getAlarmId(), before2.getAlarmId(),
                            after.getAlarmId());
                }
            }
            assertThat(meters.counter(AlarmFanout.DELIVERED).count()).isEqualTo(1);
        }
    }
}
