package io.tocsin.ingest.alarms;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.tocsin.ingest.support.TestServer;
import io.tocsin.ingest.support.V5Client;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;
import io.tocsin.proto.v1.Severity;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The fan-out loop on Kafka's MockConsumer (a real broker is exercised in the standalone module). */
class AlarmFanoutTest {

    private static final String TOPIC = "tocsin.alarms";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    private final MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private long nextOffset;

    private static AlarmEvent alarm(String siteId, String alarmId) {
        return AlarmEvent.newBuilder()
                .setAlarmId(alarmId)
                .setSiteId(siteId)
                .setSensorId("gas-03")
                .setRuleId("high")
                .setSeverity(Severity.SEVERITY_RED)
                .setState(AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED)
                .setValue(42)
                .setThreshold(20)
                .build();
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

        try (AlarmFanout fanout = new AlarmFanout(consumer, TOPIC, (topic, payload, qos) -> {
            assertThat(qos).isEqualTo(MqttQoS.AT_LEAST_ONCE);
            published.add(topic + " " + alarmId(payload));
            return 1;
        }, meters).start()) {
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

        try (AlarmFanout fanout = new AlarmFanout(consumer, TOPIC, (topic, payload, qos) -> 0, meters).start()) {
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

        try (AlarmFanout fanout = new AlarmFanout(consumer, TOPIC, (topic, payload, qos) -> {
            if (topic.endsWith("boom")) {
                throw new IllegalStateException("test: publish failed");
            }
            published.add(topic);
            return 1;
        }, meters).start()) {
            await().until(() -> published.size() == 1);
        }
        assertThat(meters.counter(AlarmFanout.FAILED).count()).isEqualTo(1);
    }

    @Test
    void closeWithoutStartClosesTheConsumer() {
        new AlarmFanout(consumer, TOPIC, (topic, payload, qos) -> 0, meters).close();
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

            try (AlarmFanout fanout = new AlarmFanout(consumer, TOPIC, server.server.subscriptions(), meters).start()) {
                V5Client.Received received = station.awaitMessage();
                assertThat(received.topic()).isEqualTo("tocsin/v1/alarms/park-north");
                assertThat(received.qos()).isEqualTo(1);
                assertThat(received.payload()).isEqualTo(event);
            }
        }
    }
}
