package io.tocsin.ingest.mqtt;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The payload bytes of telemetry that all connections together have waiting for the telemetry log. The
 * per-connection bound ({@link InFlightPublishes}) alone lets ten thousand gateways hold ten thousand times as
 * much: when Kafka slows down, this global budget is what keeps the heap bounded.
 *
 * <p>Above {@code highWaterBytes} every connected client's socket stops being read (Netty autoRead off; TCP then
 * pushes back on the devices); reading resumes once the bytes fell to {@code lowWaterBytes}. The gap between the
 * two keeps the server from flapping on every completed write. Nothing is refused or dropped for the budget.
 *
 * <p>Thread safe: bytes are reserved on the event loops and released on the telemetry writer's threads.
 */
public final class InFlightMemoryBudget {

    /** Gauge: telemetry payload bytes waiting for the telemetry log, across connections. */
    public static final String IN_FLIGHT_BYTES = "tocsin.ingest.telemetry.inflight.bytes";
    /** Counter: how often the budget was exceeded and every connection's reading paused. */
    public static final String BUDGET_PAUSES = "tocsin.ingest.backpressure.budget.pauses";


    private static final Logger log = LoggerFactory.getLogger(InFlightMemoryBudget.class);

    private final long highWaterBytes;
    private final long lowWaterBytes;
    private final AtomicLong bytes = new AtomicLong();
    private final Counter pauses;
    private final Iterable<Channel> channels;
    private volatile boolean exceeded;

    /**
     * @param channels the server's connections, told when the budget is exceeded or free again
     */
    public InFlightMemoryBudget(long highWaterBytes, long lowWaterBytes, Iterable<Channel> channels,
                                MeterRegistry meters) {
        if (highWaterBytes <= 0 || lowWaterBytes < 0 || lowWaterBytes >= highWaterBytes) {
            throw new IllegalArgumentException("memory budget needs 0 <= lowWaterBytes < highWaterBytes: low "
                    + lowWaterBytes + ", high " + highWaterBytes);
        }
        this.highWaterBytes = highWaterBytes;
        this.lowWaterBytes = lowWaterBytes;
        this.channels = channels;
        this.pauses = meters.counter(BUDGET_PAUSES);
        Gauge.builder(IN_FLIGHT_BYTES, bytes, AtomicLong::get)
                .description("Telemetry payload bytes received and waiting for the telemetry log")
                .baseUnit("bytes")
                .register(meters);
    }

    /** Payload bytes received and handed to the telemetry log; call {@link #release} when it answered. */
    public void reserve(int payloadBytes) {
        long now = bytes.addAndGet(payloadBytes);
        if (now > highWaterBytes && !exceeded) {
            changeState();
        }
    }

    public void release(int payloadBytes) {
        long now = bytes.addAndGet(-payloadBytes);
        if (now <= lowWaterBytes && exceeded) {
            changeState();
        }
    }

    /** Whether connections must not be read now. */
    public boolean exceeded() {
        return exceeded;
    }

    public long bytes() {
        return bytes.get();
    }

    private void changeState() {
        synchronized (this) {
            // Decide from the bytes under the lock, and read them again after each change: a release that read
            // 'exceeded' just before it was set would otherwise leave every connection paused with nothing in flight.
            boolean before = exceeded;
            while (true) {
                long now = bytes.get();
                boolean shouldExceed = exceeded ? now > lowWaterBytes : now > highWaterBytes;
                if (shouldExceed == exceeded) {
                    break;
                }
                exceeded = shouldExceed;
                if (shouldExceed) {
                    pauses.increment();
                    log.warn("Telemetry waiting for the log reached {} bytes (budget {}): reading paused on every "
                            + "connection until it falls to {}", now, highWaterBytes, lowWaterBytes);
                } else {
                    log.info("Telemetry waiting for the log fell to {} bytes: reading resumed", now);
                }
            }
            if (exceeded == before) {
                return; // nothing changed (or it changed and back): the connections already read as they should
            }
        }
        for (Channel channel : channels) {
            try {
                channel.eventLoop().execute(() ->
                        ConnectedClient.find(channel).ifPresent(client -> client.inFlight().memoryBudgetChanged()));
            } catch (RejectedExecutionException e) {
                log.debug("Event loop of {} stopped: budget change not delivered", channel);
            }
        }
    }
}
