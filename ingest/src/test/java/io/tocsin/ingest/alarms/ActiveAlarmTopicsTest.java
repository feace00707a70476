package io.tocsin.ingest.alarms;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.tocsin.ingest.pubsub.CurrentMessages;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The alarms not over, fed by the fan-out (new events) and a catch-up (older events, possibly read after newer
 * ones): the newest event by offset wins, an alarm over stays over, and nothing is served before the catch-up ends.
 */
class ActiveAlarmTopicsTest {

    /** The current messages as "topic key" -> state name. */
    private final Map<String, String> current = new TreeMap<>();
    private final List<String> published = new ArrayList<>();
    private final ActiveAlarmTopics active = new ActiveAlarmTopics(new CurrentMessages() {
        @Override
        public void keep(String topic, String key, byte[] payload, MqttQoS qos) {
            current.put(topic + " " + key, stateOf(payload));
        }

        @Override
        public void forget(String topic, String key) {
            current.remove(topic + " " + key);
        }
    });

    private static String stateOf(byte[] payload) {
        try {
            return AlarmEvent.parseFrom(payload).getState().name();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private void apply(String id, AlarmState state, long offset, String... topics) {
        AlarmEvent event = AlarmEvent.newBuilder().setAlarmId(id).setSiteId("park").setState(state).build();
        active.apply(event, event.toByteArray(), Set.of(topics), 0, offset);
    }

    private void serve() {
        active.serve((topic, payload, qos) -> {
            published.add(topic + " " + stateOf(payload));
            return 1;
        });
    }

    @Test
    void anOlderEventReadAfterANewerOneChangesNothingButItsTopics() {
        apply("a", AlarmState.ALARM_STATE_ACTIVE_ACKNOWLEDGED, 7, "site", "station-2"); // the fan-out, after
        apply("a", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 3, "site", "station-1"); // the catch-up, before

        serve();

        assertThat(current).containsOnly(Map.entry("site a", "ALARM_STATE_ACTIVE_ACKNOWLEDGED"),
                Map.entry("station-1 a", "ALARM_STATE_ACTIVE_ACKNOWLEDGED"),
                Map.entry("station-2 a", "ALARM_STATE_ACTIVE_ACKNOWLEDGED"));
    }

    @Test
    void anAlarmOverBeforeTheCatchUpReadItsRaiseStaysOver() {
        apply("a", AlarmState.ALARM_STATE_NORMAL, 9, "site"); // the fan-out: back to normal
        apply("a", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 4, "site"); // the catch-up: its raise

        serve();

        assertThat(current).isEmpty();
        assertThat(published).isEmpty();
        assertThat(active.size()).isZero();
    }

    @Test
    void nothingIsServedBeforeTheCatchUpEndsThenEveryAlarmNotOverOnceToWhoeverIsSubscribed() {
        apply("a", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 1, "site");
        apply("b", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 2, "site");
        apply("b", AlarmState.ALARM_STATE_NORMAL, 3, "site");
        assertThat(current).isEmpty();

        serve();
        serve(); // once only

        assertThat(current).containsOnly(Map.entry("site a", "ALARM_STATE_ACTIVE_UNACKNOWLEDGED"));
        assertThat(published).containsExactly("site ALARM_STATE_ACTIVE_UNACKNOWLEDGED");
        apply("a", AlarmState.ALARM_STATE_NORMAL, 4, "site"); // served: a change goes to the current messages at once
        assertThat(current).isEmpty();
    }
}
