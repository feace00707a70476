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
 * The alarms not over and those that ended recently, fed by the fan-out (new events) and a catch-up (older events,
 * possibly read after newer ones): the newest event by offset wins, an alarm over stays over (its NORMAL kept for a
 * day, at most {@link ActiveAlarmTopics#MAX_ENDED}), and nothing is served before the catch-up ends.
 */
class ActiveAlarmTopicsTest {

    private static final long T0 = 1_790_000_000_000L;

    /** The current messages as "topic key" -> state name. */
    private final Map<String, String> current = new TreeMap<>();
    private final List<String> published = new ArrayList<>();
    private long now = T0;
    private final ActiveAlarmTopics active = new ActiveAlarmTopics(new CurrentMessages() {
        @Override
        public void keep(String topic, String key, byte[] payload, MqttQoS qos) {
            current.put(topic + " " + key, stateOf(payload));
        }

        @Override
        public void forget(String topic, String key) {
            current.remove(topic + " " + key);
        }
    }, () -> now);

    private static String stateOf(byte[] payload) {
        try {
            return AlarmEvent.parseFrom(payload).getState().name();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private void apply(String id, AlarmState state, long offset, String... topics) {
        apply(id, state, offset, now, topics);
    }

    private void apply(String id, AlarmState state, long offset, long eventTimeMs, String... topics) {
        AlarmEvent event = AlarmEvent.newBuilder().setAlarmId(id).setSiteId("park").setState(state)
                .setEventTimeMs(eventTimeMs).build();
        active.apply(new ActiveAlarmTopics.Update(event, event.toByteArray(), Set.of(topics), 0, offset));
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

        assertThat(current).containsOnly(Map.entry("site a", "ALARM_STATE_NORMAL"));
        assertThat(published).containsExactly("site ALARM_STATE_NORMAL");
        assertThat(active.open()).isZero();
    }

    @Test
    void nothingIsServedBeforeTheCatchUpEndsThenEveryAlarmOnceToWhoeverIsSubscribed() {
        apply("a", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 1, "site");
        apply("b", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 2, "site");
        apply("b", AlarmState.ALARM_STATE_NORMAL, 3, "site");
        assertThat(current).isEmpty();

        serve();
        serve(); // once only

        assertThat(current).containsOnly(Map.entry("site a", "ALARM_STATE_ACTIVE_UNACKNOWLEDGED"),
                Map.entry("site b", "ALARM_STATE_NORMAL"));
        assertThat(published).containsExactly("site ALARM_STATE_NORMAL", "site ALARM_STATE_ACTIVE_UNACKNOWLEDGED");
        apply("a", AlarmState.ALARM_STATE_NORMAL, 4, "site"); // served: a change goes to the current messages at once
        assertThat(current).containsOnly(Map.entry("site a", "ALARM_STATE_NORMAL"),
                Map.entry("site b", "ALARM_STATE_NORMAL"));
    }

    /** An alarm that ended a day ago is no longer sent: a console away that long gets the open ones only. */
    @Test
    void anAlarmThatEndedADayAgoIsForgotten() {
        apply("old", AlarmState.ALARM_STATE_NORMAL, 1, T0 - ActiveAlarmTopics.ENDED_KEPT.toMillis() - 1, "site");
        apply("recent", AlarmState.ALARM_STATE_NORMAL, 2, T0 - 1_000, "site");
        serve();
        assertThat(current).containsOnly(Map.entry("site recent", "ALARM_STATE_NORMAL"));

        now = T0 + ActiveAlarmTopics.ENDED_KEPT.toMillis();
        apply("open", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 3, "site");

        assertThat(current).containsOnly(Map.entry("site open", "ALARM_STATE_ACTIVE_UNACKNOWLEDGED"));
        assertThat(active.ended()).isZero();
    }

    /** Ended alarms are bounded (the oldest go first), so that a flapping sensor cannot crowd out open ones. */
    @Test
    void atMostMaxEndedAlarmsAreKept() {
        serve();
        for (int i = 0; i <= ActiveAlarmTopics.MAX_ENDED; i++) {
            apply("a-" + i, AlarmState.ALARM_STATE_NORMAL, i, "site");
        }

        assertThat(active.ended()).isEqualTo(ActiveAlarmTopics.MAX_ENDED);
        assertThat(current).hasSize(ActiveAlarmTopics.MAX_ENDED).doesNotContainKey("site a-0")
                .containsKey("site a-" + ActiveAlarmTopics.MAX_ENDED);
    }
}
