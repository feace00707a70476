package io.tocsin.standalone;

import static io.tocsin.standalone.MqttTestClients.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;
import io.tocsin.proto.v1.Severity;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walking skeleton's promise: a reading over the threshold, published by a real MQTT client to the ingest
 * server, comes out as an alarm at a real MQTT subscriber, through a real KRaft Kafka broker and the alarm job
 * on a real Flink MiniCluster.
 */
class ReadingToStationEndToEndTest {

    @TempDir
    static Path dataDir;

    private static Platform platform;
    private static MqttAsyncClient station;
    private static MqttAsyncClient gateway;
    private static final BlockingQueue<AlarmEvent> alarms = new LinkedBlockingQueue<>();

    @BeforeAll
    static void startPlatform() throws Exception {
        platform = Platform.start(Platform.Settings.defaults(dataDir).withPorts(Platform.Ports.ephemeral()));
        station = MqttTestClients.connect(platform.mqttUri(), "station-7", (topic, message) ->
                alarms.add(parse(message.getPayload())));
        station.subscribe(MqttTopics.alarms("chem-park-3"), 1).waitForCompletion(10_000);
        gateway = MqttTestClients.connect(platform.mqttUri(), "chem-park-3.gw-2");
    }

    @AfterAll
    static void stopPlatform() {
        if (station != null) {
            MqttTestClients.disconnect(station);
        }
        if (gateway != null) {
            MqttTestClients.disconnect(gateway);
        }
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    void aReadingOverTheThresholdReachesTheSubscribedStationAsAnAlarmAndItsReturnFollows() throws Exception {
        long t = 1_790_000_000_000L;
        publish(batch("chem-park-3", "gw-2", 1, "gas-07", t, 3.0));
        publish(batch("chem-park-3", "gw-2", 2, "gas-07", t + 1_000, 31.5));

        AlarmEvent raised = alarms.poll(60, TimeUnit.SECONDS);

        assertThat(raised).as("alarm at the station within 60 s").isNotNull();
        assertThat(raised.getAlarmId()).isEqualTo("chem-park-3/gas-07/gas-high-1/1");
        assertThat(raised.getSiteId()).isEqualTo("chem-park-3");
        assertThat(raised.getDeviceId()).isEqualTo("gw-2");
        assertThat(raised.getSensorId()).isEqualTo("gas-07");
        assertThat(raised.getRuleId()).isEqualTo("gas-high-1");
        assertThat(raised.getSeverity()).isEqualTo(Severity.SEVERITY_ORANGE);
        assertThat(raised.getState()).isEqualTo(AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
        assertThat(raised.getValue()).isEqualTo(31.5);
        assertThat(raised.getThreshold()).isEqualTo(25.0);
        assertThat(raised.getRaisedAtMs()).isEqualTo(t + 1_000);
        assertThat(raised.getEventTimeMs()).isEqualTo(t + 1_000);
        assertThat(raised.getActivation()).isEqualTo(1);

        publish(batch("chem-park-3", "gw-2", 3, "gas-07", t + 2_000, 12.0));
        AlarmEvent returned = alarms.poll(60, TimeUnit.SECONDS);

        assertThat(returned).as("return to normal at the station within 60 s").isNotNull();
        assertThat(returned.getAlarmId()).isEqualTo(raised.getAlarmId());
        assertThat(returned.getState()).isEqualTo(AlarmState.ALARM_STATE_RETURNED_UNACKNOWLEDGED);
        assertThat(returned.getValue()).isEqualTo(12.0);
        assertThat(returned.getRaisedAtMs()).isEqualTo(t + 1_000);
        assertThat(returned.getEventTimeMs()).isEqualTo(t + 2_000);
        assertThat(alarms).isEmpty();
    }

    private static AlarmEvent parse(byte[] payload) {
        try {
            return AlarmEvent.parseFrom(payload);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError("the station received something that is not an AlarmEvent", e);
        }
    }

    private static void publish(io.tocsin.proto.v1.TelemetryBatch batch) throws Exception {
        MqttMessage message = new MqttMessage(batch.toByteArray());
        message.setQos(1);
        IMqttToken token = gateway.publish(MqttTopics.telemetry(batch.getSiteId(), batch.getDeviceId()), message);
        token.waitForCompletion(30_000);
        assertThat(token.getReasonCodes()).containsOnly(0);
    }
}
