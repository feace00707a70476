package io.tocsin.ingest.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link ConnectionRateLimit} where connections are accepted: on the listening channel, before a new connection
 * is handed to an I/O event loop, so connections are admitted in the order they were accepted (first come, first
 * in). Deciding later, per connection on its own event loop, let a connection accepted after another take the
 * last token. Past the rate the new connection is closed at once, counted ({@code tocsin.ingest.connect.refused},
 * reason {@code connection_rate}) and logged at most once a second.
 */
@ChannelHandler.Sharable
public final class AcceptRateLimitHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(AcceptRateLimitHandler.class);
    private static final long LOG_INTERVAL_NANOS = 1_000_000_000L;

    private final ConnectionRateLimit limit;
    private final Counter refused;
    private final AtomicLong lastLog = new AtomicLong();

    public AcceptRateLimitHandler(ConnectionRateLimit limit, MeterRegistry meters) {
        this.limit = limit;
        this.refused = meters.counter(ProtocolVersionGate.CONNECT_REFUSED, "reason", "connection_rate");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Channel connection && !limit.tryAcquire()) {
            refused.increment();
            long now = System.nanoTime();
            long last = lastLog.get();
            if (now - last > LOG_INTERVAL_NANOS && lastLog.compareAndSet(last, now)) {
                log.warn("New connections above the rate limit are being closed (from {}; counter {} reason "
                        + "connection_rate counts them all)", connection.remoteAddress(),
                        ProtocolVersionGate.CONNECT_REFUSED);
            }
            // Not registered with an event loop yet: closed the way Netty's acceptor closes one it cannot register.
            connection.unsafe().closeForcibly();
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
