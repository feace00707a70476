package io.tocsin.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tocsin.proto.MqttTopics.DeviceAddress;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import org.junit.jupiter.api.Test;

class MqttTopicsTest {

    @Test
    void telemetryTopicRoundTrips() {
        String topic = MqttTopics.telemetry("park-1", "gw-7");

        assertThat(topic).isEqualTo("tocsin/v1/telemetry/park-1/gw-7");
        assertThat(MqttTopics.parseTelemetry(topic)).contains(new DeviceAddress("park-1", "gw-7"));
    }

    @Test
    void malformedTelemetryTopicsAreNotParsed() {
        assertThat(MqttTopics.parseTelemetry("tocsin/v1/telemetry/park-1")).isEmpty();
        assertThat(MqttTopics.parseTelemetry("tocsin/v1/telemetry/park-1/gw-7/extra")).isEmpty();
        assertThat(MqttTopics.parseTelemetry("tocsin/v1/telemetry//gw-7")).isEmpty();
        assertThat(MqttTopics.parseTelemetry("tocsin/v1/alarms/park-1")).isEmpty();
    }

    @Test
    void idsThatAreNotOneTopicLevelAreRefused() {
        assertThatThrownBy(() -> MqttTopics.telemetry("park/1", "gw")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MqttTopics.alarms("#")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MqttTopics.alarms("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void generatedTelemetryBatchRoundTripsThroughBytes() throws Exception {
        TelemetryBatch batch = TelemetryBatch.newBuilder()
                .setSiteId("park-1").setDeviceId("gw-7").setSequence(42)
                .addReadings(Reading.newBuilder().setSensorId("gas-03").setTimestampMs(1_700_000_000_000L)
                        .setValue(12.5).setQuality(Quality.QUALITY_GOOD).setUnit("%LEL"))
                .build();

        assertThat(TelemetryBatch.parseFrom(batch.toByteArray())).isEqualTo(batch);
    }
}
