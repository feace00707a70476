package io.tocsin.jobs.gateways;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.ConnectionState;
import io.tocsin.proto.v1.DeviceStatus;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the bytes of one {@code DeviceStatus} (the ingest servers' "status" topic) into a {@link GatewayStatus}.
 * Only registered devices can have a gateway fault: events of clients without a site and device (station
 * consoles, any client of a server running without a credential registry) are dropped and counted, and so are
 * records that are not a DeviceStatus or have no state. Never fails the job.
 */
public class DecodeDeviceStatus extends ProcessFunction<byte[], GatewayInput> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DecodeDeviceStatus.class);

    /** Counter: status records that are not a valid DeviceStatus. */
    public static final String MALFORMED = "statusEventsMalformed";
    /** Counter: status events of clients that are not a registered device (no site or device id). */
    public static final String WITHOUT_DEVICE = "statusEventsWithoutDevice";

    private transient Counter malformed;
    private transient Counter withoutDevice;

    @Override
    public void open(OpenContext openContext) {
        malformed = getRuntimeContext().getMetricGroup().counter(MALFORMED);
        withoutDevice = getRuntimeContext().getMetricGroup().counter(WITHOUT_DEVICE);
    }

    @Override
    public void processElement(byte[] bytes, Context ctx, Collector<GatewayInput> out) {
        DeviceStatus status;
        try {
            status = DeviceStatus.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            malformed.inc();
            LOG.warn("Dropped a status record of {} bytes: not a DeviceStatus ({})", bytes.length, e.getMessage());
            return;
        }
        ConnectionState state = status.getState();
        if (state != ConnectionState.CONNECTION_STATE_ONLINE && state != ConnectionState.CONNECTION_STATE_OFFLINE) {
            malformed.inc();
            LOG.warn("Dropped a status event of client '{}' without a state ({})", status.getClientId(), state);
            return;
        }
        if (!MqttTopics.isLevel(status.getSiteId()) || !MqttTopics.isLevel(status.getDeviceId())) {
            // Routine (every console, every client of a demo without credentials): counted, logged at debug only.
            withoutDevice.inc();
            LOG.debug("Ignored status {} of client '{}': not a registered device", state, status.getClientId());
            return;
        }
        out.collect(GatewayInput.of(new GatewayStatus(status.getSiteId(), status.getDeviceId(), status.getClientId(),
                state == ConnectionState.CONNECTION_STATE_ONLINE, status.getCause().name(), status.getEventTimeMs(),
                status.getServerId())));
    }
}
