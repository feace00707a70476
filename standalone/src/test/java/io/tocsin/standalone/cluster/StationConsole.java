package io.tocsin.standalone.cluster;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.standalone.demo.MessageArrivedCallback;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttSubscription;

/**
 * A fire station's console: a Paho MQTT 5 subscriber to every alarm ({@code tocsin/v1/alarms/#}, QoS 1) on one
 * ingest node. It keeps the first arrival of each transition, keyed {@code alarm_id|state}.
 */
final class StationConsole implements AutoCloseable {

    private final String name;
    private final MqttAsyncClient client;
    private final Map<String, Long> firstArrival = new ConcurrentHashMap<>();
    private final AtomicLong messages = new AtomicLong();

    StationConsole(String name, String serverUri) throws MqttException {
        this.name = name;
        client = new MqttAsyncClient(serverUri, name, new MemoryPersistence());
        client.setCallback(new MessageArrivedCallback((topic, message) -> {
            long now = System.currentTimeMillis();
            messages.incrementAndGet();
            try {
                AlarmEvent event = AlarmEvent.parseFrom(message.getPayload());
                firstArrival.putIfAbsent(transitionKey(event.getAlarmId(), event.getState().name()), now);
            } catch (InvalidProtocolBufferException e) {
                firstArrival.putIfAbsent("unparseable|" + topic, now);
            }
        }));
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setAutomaticReconnect(true);
        client.connect(options).waitForCompletion(15_000);
        client.subscribe(new MqttSubscription(MqttTopics.ALL_ALARMS, 1)).waitForCompletion(15_000);
    }

    static String transitionKey(String alarmId, String state) {
        return alarmId + "|" + state;
    }

    /** Wall-clock ms of the first arrival of a transition, or null if it never arrived. */
    Long arrival(String transitionKey) {
        return firstArrival.get(transitionKey);
    }

    int distinctTransitions() {
        return firstArrival.size();
    }

    long messages() {
        return messages.get();
    }

    String name() {
        return name;
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
            client.close(true);
        } catch (MqttException e) {
            // the check is over
        }
    }
}
