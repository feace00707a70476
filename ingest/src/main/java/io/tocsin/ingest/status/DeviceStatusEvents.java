package io.tocsin.ingest.status;

import io.tocsin.ingest.auth.Identity;
import io.tocsin.ingest.mqtt.ConnectedClient;
import io.tocsin.ingest.mqtt.ConnectionListener;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.ConnectionState;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.StatusCause;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Turns MQTT connections coming and going into {@link DeviceStatus} events. A registered device's events carry its
 * site and device. Without a credential registry (development, the demo) nobody is registered, so a client id of
 * the edge agent's form {@code site.device} is taken at its word: everything is trusted in that mode anyway, and
 * without a site and device the alarm job could not raise "gateway offline" faults.
 */
public final class DeviceStatusEvents implements ConnectionListener {

    private final DeviceStatusWriter writer;
    private final String serverId;

    public DeviceStatusEvents(DeviceStatusWriter writer) {
        this(writer, localServerId());
    }

    /** @param serverId the events' server id; the same for this server's MQTT and CoAP events */
    public DeviceStatusEvents(DeviceStatusWriter writer, String serverId) {
        this.writer = writer;
        this.serverId = serverId;
    }

    @Override
    public void online(ConnectedClient client) {
        writer.write(event(client, ConnectionState.CONNECTION_STATE_ONLINE, StatusCause.STATUS_CAUSE_CONNECTED, false));
    }

    @Override
    public void offline(ConnectedClient client, ConnectedClient.CloseCause cause, boolean willPending) {
        writer.write(event(client, ConnectionState.CONNECTION_STATE_OFFLINE, switch (cause) {
            case CLEAN_DISCONNECT -> StatusCause.STATUS_CAUSE_CLEAN_DISCONNECT;
            case KEEPALIVE_TIMEOUT -> StatusCause.STATUS_CAUSE_KEEPALIVE_TIMEOUT;
            case CONNECTION_LOST -> StatusCause.STATUS_CAUSE_CONNECTION_LOST;
            case CLOSED_BY_SERVER -> StatusCause.STATUS_CAUSE_CLOSED_BY_SERVER;
            case TAKEN_OVER -> StatusCause.STATUS_CAUSE_TAKEN_OVER;
        }, willPending));
    }

    private DeviceStatus event(ConnectedClient client, ConnectionState state, StatusCause cause, boolean will) {
        DeviceStatus.Builder status = DeviceStatus.newBuilder()
                .setClientId(client.clientId())
                .setState(state)
                .setCause(cause)
                .setEventTimeMs(System.currentTimeMillis())
                .setWillPublished(will)
                .setTransport("mqtt")
                .setServerId(serverId);
        Identity identity = client.identity();
        if (identity.kind() == Identity.Kind.DEVICE) {
            status.setSiteId(identity.site()).setDeviceId(identity.device());
        } else if (identity.kind() == Identity.Kind.UNRESTRICTED) {
            String[] siteAndDevice = client.clientId().split("\\.", -1);
            if (siteAndDevice.length == 2 && MqttTopics.isLevel(siteAndDevice[0]) && MqttTopics.isLevel(siteAndDevice[1])) {
                status.setSiteId(siteAndDevice[0]).setDeviceId(siteAndDevice[1]);
            }
        }
        return status.build();
    }

    /** This server's id in status events: its host name, as the stream job tells servers apart by it. */
    public static String localServerId() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }
}
