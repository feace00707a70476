package io.tocsin.ingest.pubsub;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Retained messages and, beside them, the current messages (many per topic, one per key) of the server's publishers. */
class RetainedMessagesTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final RetainedMessages store = new RetainedMessages(3, meters);

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private List<String> matching(String filter) {
        return store.matching(TopicFilter.parse(filter)).stream()
                .map(d -> d.topic() + " " + new String(d.payload(), StandardCharsets.UTF_8) + (d.retained() ? " R" : ""))
                .toList();
    }

    @Test
    void currentMessagesComeAfterTheRetainedOneInTheOrderLastKept() {
        store.retain("alarms/site-1", text("retained"), MqttQoS.AT_LEAST_ONCE, MqttProperties.NO_PROPERTIES);
        store.keep("alarms/site-1", "a", text("a1"), MqttQoS.AT_LEAST_ONCE);
        store.keep("alarms/site-1", "b", text("b1"), MqttQoS.AT_LEAST_ONCE);
        store.keep("alarms/site-1", "a", text("a2"), MqttQoS.AT_LEAST_ONCE);

        assertThat(matching("alarms/#")).containsExactly("alarms/site-1 retained R", "alarms/site-1 b1 R",
                "alarms/site-1 a2 R");
        assertThat(matching("other/#")).isEmpty();
    }

    @Test
    void forgottenMessagesAreNotSentAndFreeTheirPlaceInTheBound() {
        store.keep("alarms/site-1", "a", text("a"), MqttQoS.AT_LEAST_ONCE);
        store.keep("alarms/site-1", "b", text("b"), MqttQoS.AT_LEAST_ONCE);
        store.retain("alarms/site-2", text("r"), MqttQoS.AT_LEAST_ONCE, MqttProperties.NO_PROPERTIES);

        store.keep("alarms/site-1", "c", text("c"), MqttQoS.AT_LEAST_ONCE); // over the bound of 3: refused
        assertThat(meters.counter(RetainedMessages.REFUSED).count()).isEqualTo(1);
        store.keep("alarms/site-1", "a", text("a2"), MqttQoS.AT_LEAST_ONCE); // replacing always works
        store.forget("alarms/site-1", "b");
        store.forget("alarms/site-1", "never-kept");
        store.keep("alarms/site-1", "c", text("c"), MqttQoS.AT_LEAST_ONCE);

        assertThat(store.size()).isEqualTo(3);
        assertThat(matching("alarms/site-1")).containsExactly("alarms/site-1 a2 R", "alarms/site-1 c R");
    }
}
