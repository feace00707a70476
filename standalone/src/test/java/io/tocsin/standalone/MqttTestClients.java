package io.tocsin.standalone;

import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.standalone.demo.MessageArrivedCallback;
import java.util.function.BiConsumer;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/** Real Paho MQTT 5 clients and telemetry batches for the end-to-end tests. */
final class MqttTestClients {

    private MqttTestClients() {
    }

    static MqttAsyncClient connect(String serverUri, String clientId) throws MqttException {
        return connect(serverUri, clientId, (topic, message) -> { });
    }

    /** Connects a client whose arriving messages go to {@code onMessage}. */
    static MqttAsyncClient connect(String serverUri, String clientId, BiConsumer<String, MqttMessage> onMessage)
            throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(serverUri, clientId, new MemoryPersistence());
        client.setCallback(new MessageArrivedCallback(onMessage));
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        client.connect(options).waitForCompletion(10_000);
        return client;
    }

    static TelemetryBatch batch(String site, String device, long sequence, String sensor, long timestampMs,
                                double value) {
        return TelemetryBatch.newBuilder().setSiteId(site).setDeviceId(device).setSequence(sequence)
                .addReadings(Reading.newBuilder().setSensorId(sensor).setTimestampMs(timestampMs).setValue(value)
                        .setQuality(Quality.QUALITY_GOOD).setUnit("%LEL"))
                .build();
    }

    static void disconnect(MqttAsyncClient client) {
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
            client.close();
        } catch (MqttException e) {
            // The test is over; a client that does not close cleanly changes nothing.
        }
    }
}
