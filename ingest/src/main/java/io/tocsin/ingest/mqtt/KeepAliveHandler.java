package io.tocsin.ingest.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.mqtt.MqttReasonCodes;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection whose client sent no packet for one and a half times its keep alive (MQTT 3.1.2.10): a
 * device that lost power or network must not stay "connected" for hours. The {@code IdleStateHandler} placed
 * after the decoder by {@link ConnectHandler} raises the idle event; only whole packets count as activity.
 */
@ChannelHandler.Sharable
public final class KeepAliveHandler extends ChannelInboundHandlerAdapter {

    public static final String KEEP_ALIVE_TIMEOUTS = "tocsin.ingest.keepalive.timeouts";

    private static final Logger log = LoggerFactory.getLogger(KeepAliveHandler.class);

    private final Counter timeouts;

    public KeepAliveHandler(MeterRegistry meters) {
        this.timeouts = meters.counter(KEEP_ALIVE_TIMEOUTS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof IdleStateEvent idle) || idle.state() != IdleState.READER_IDLE) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        ConnectedClient client = ConnectedClient.of(ctx.channel());
        if (client.inFlight().readingPaused()) {
            // The silence is ours: we stopped reading because the telemetry log is slow. The client's pings are
            // waiting in the socket; blaming it would drop a healthy device and make it resend everything.
            log.debug("Client {} looks idle while its reading is paused by back pressure: kept", client);
            return;
        }
        timeouts.increment();
        log.info("Closing connection of client {}: nothing received for 1.5 x its keep alive of {} s",
                client, client.keepAliveSeconds());
        client.disconnect(MqttReasonCodes.Disconnect.KEEP_ALIVE_TIMEOUT, "keep alive timeout");
    }
}
