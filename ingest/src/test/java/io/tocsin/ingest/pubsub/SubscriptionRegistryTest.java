package io.tocsin.ingest.pubsub;

import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttQoS;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SubscriptionRegistryTest {

    private final SubscriptionRegistry registry = new SubscriptionRegistry();
    private final RecordingSubscriber console = new RecordingSubscriber("console");
    private final RecordingSubscriber siren = new RecordingSubscriber("siren");

    @Test
    void deliversToMatchingSubscribersAtTheLowerOfPublishedAndGrantedQos() {
        registry.subscribe(console, TopicFilter.parse("alarms/#"), MqttQoS.AT_LEAST_ONCE, false);
        registry.subscribe(siren, TopicFilter.parse("alarms/+"), MqttQoS.AT_MOST_ONCE, false);

        assertThat(registry.publish("alarms/north", new byte[] {1}, MqttQoS.AT_LEAST_ONCE)).isEqualTo(2);
        assertThat(registry.publish("other/north", new byte[] {2}, MqttQoS.AT_LEAST_ONCE)).isZero();
        assertThat(registry.publish("alarms/north/zone", new byte[] {3}, MqttQoS.AT_MOST_ONCE)).isEqualTo(1);

        assertThat(console.deliveries).containsExactly("alarms/north@1", "alarms/north/zone@0");
        assertThat(siren.deliveries).containsExactly("alarms/north@0");
    }

    @Test
    void overlappingFiltersDeliverOnceAtTheHighestGrantedQos() {
        registry.subscribe(console, TopicFilter.parse("a/#"), MqttQoS.AT_MOST_ONCE, false);
        registry.subscribe(console, TopicFilter.parse("a/b"), MqttQoS.AT_LEAST_ONCE, false);
        registry.subscribe(console, TopicFilter.parse("+/b"), MqttQoS.AT_MOST_ONCE, false);

        assertThat(registry.publish("a/b", new byte[0], MqttQoS.AT_LEAST_ONCE)).isEqualTo(1);
        assertThat(console.deliveries).containsExactly("a/b@1");
    }

    @Test
    void subscribingAgainToAFilterReplacesItsQos() {
        registry.subscribe(console, TopicFilter.parse("a"), MqttQoS.AT_LEAST_ONCE, false);
        registry.subscribe(console, TopicFilter.parse("a"), MqttQoS.AT_MOST_ONCE, false);

        registry.publish("a", new byte[0], MqttQoS.AT_LEAST_ONCE);
        assertThat(console.deliveries).containsExactly("a@0");
        assertThat(registry.subscriptionsOf(console)).hasSize(1);
    }

    @Test
    void noLocalSkipsOnlyThePublishersOwnNoLocalSubscriptions() {
        registry.subscribe(console, TopicFilter.parse("chat/#"), MqttQoS.AT_LEAST_ONCE, true);
        registry.subscribe(siren, TopicFilter.parse("chat/#"), MqttQoS.AT_LEAST_ONCE, true);

        assertThat(registry.route(console, "chat/x", new byte[0], MqttQoS.AT_LEAST_ONCE, MqttProperties.NO_PROPERTIES))
                .isEqualTo(1);
        assertThat(console.deliveries).isEmpty();
        assertThat(siren.deliveries).containsExactly("chat/x@1");

        // Another filter of the publisher without No Local still delivers.
        registry.subscribe(console, TopicFilter.parse("chat/x"), MqttQoS.AT_MOST_ONCE, false);
        registry.route(console, "chat/x", new byte[0], MqttQoS.AT_LEAST_ONCE, MqttProperties.NO_PROPERTIES);
        assertThat(console.deliveries).containsExactly("chat/x@0");
    }

    @Test
    void unsubscribeAndRemoveAll() {
        registry.subscribe(console, TopicFilter.parse("a"), MqttQoS.AT_LEAST_ONCE, false);
        registry.subscribe(console, TopicFilter.parse("b"), MqttQoS.AT_LEAST_ONCE, false);

        assertThat(registry.unsubscribe(console, "a")).isTrue();
        assertThat(registry.unsubscribe(console, "a")).isFalse();
        assertThat(registry.unsubscribe(siren, "a")).isFalse();
        assertThat(registry.publish("a", new byte[0], MqttQoS.AT_LEAST_ONCE)).isZero();
        assertThat(registry.publish("b", new byte[0], MqttQoS.AT_LEAST_ONCE)).isEqualTo(1);

        registry.removeAll(console);
        assertThat(registry.publish("b", new byte[0], MqttQoS.AT_LEAST_ONCE)).isZero();
        assertThat(registry.subscriptionsOf(console)).isEmpty();
    }

    @Test
    void refusesToPublishOnWhatIsNotATopicName() {
        assertThatThrownBy(() -> registry.publish("alarms/#", new byte[0], MqttQoS.AT_LEAST_ONCE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> registry.publish("alarms/x", new byte[0], MqttQoS.FAILURE))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static final class RecordingSubscriber implements Subscriber {
        private final String clientId;
        private final List<String> deliveries = new ArrayList<>();

        RecordingSubscriber(String clientId) {
            this.clientId = clientId;
        }

        @Override
        public String clientId() {
            return clientId;
        }

        @Override
        public void deliver(String topic, byte[] payload, MqttQoS qos, MqttProperties properties) {
            deliveries.add(topic + "@" + qos.value());
        }
    }
}
