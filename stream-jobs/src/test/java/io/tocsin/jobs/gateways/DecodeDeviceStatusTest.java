package io.tocsin.jobs.gateways;

import static org.assertj.core.api.Assertions.assertThat;

import io.tocsin.proto.v1.ConnectionState;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.StatusCause;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class DecodeDeviceStatusTest {

    static DeviceStatus.Builder status(String site, String device, ConnectionState state, StatusCause cause,
            long t) {
        return DeviceStatus.newBuilder().setClientId("client-" + device).setSiteId(site).setDeviceId(device)
                .setState(state).setCause(cause).setEventTimeMs(t).setTransport("mqtt").setServerId("ingest-a");
    }

    @Test
    void onlyRegisteredDevicesWithAStateBecomeGatewayStatusAndNothingFailsTheJob() throws Exception {
        OneInputStreamOperatorTestHarness<byte[], GatewayInput> harness =
                ProcessFunctionTestHarnesses.forProcessFunction(new DecodeDeviceStatus());

        harness.processElement(status("park-1", "gw-1", ConnectionState.CONNECTION_STATE_OFFLINE,
                StatusCause.STATUS_CAUSE_KEEPALIVE_TIMEOUT, 1_000).build().toByteArray(), 0);
        harness.processElement(new byte[] {(byte) 0xFF, 0x01}, 0);                           // not a DeviceStatus
        harness.processElement(status("", "", ConnectionState.CONNECTION_STATE_ONLINE,       // a station console
                StatusCause.STATUS_CAUSE_CONNECTED, 2_000).build().toByteArray(), 0);
        harness.processElement(status("park-1", "gw-1", ConnectionState.CONNECTION_STATE_UNSPECIFIED,
                StatusCause.STATUS_CAUSE_CONNECTED, 3_000).build().toByteArray(), 0);
        harness.processElement(status("park-1", "gw-1", ConnectionState.CONNECTION_STATE_ONLINE,
                StatusCause.STATUS_CAUSE_CONNECTED, 4_000).build().toByteArray(), 0);

        assertThat(harness.extractOutputValues()).extracting(GatewayInput::status).containsExactly(
                new GatewayStatus("park-1", "gw-1", "client-gw-1", false, "STATUS_CAUSE_KEEPALIVE_TIMEOUT", 1_000,
                        "ingest-a"),
                new GatewayStatus("park-1", "gw-1", "client-gw-1", true, "STATUS_CAUSE_CONNECTED", 4_000,
                        "ingest-a"));
        harness.close();
    }
}
