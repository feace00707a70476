package io.tocsin.edge.uplink;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconnects one MQTT client after it lost its connection: attempts on a thread of its own, the delay doubling
 * from {@code firstDelay} up to {@code maxDelay}, each delay drawn at random from its upper half so that a fleet
 * that lost the platform at the same moment does not come back in one wave.
 *
 * <p>Why not Paho's automatic reconnect: in Paho 1.2.5 (MQTT 5 and 3.1.1) the reconnect delay is a <em>static</em>
 * field shared by every client of the JVM, doubled by each failed attempt of any of them and capped only by
 * {@code maxReconnectDelay} (128 s by default; the MQTT 5 client's {@code setAutomaticReconnectDelay} is read by
 * nothing). After a platform outage of half a minute, clients came back up to two minutes after the platform did.
 */
final class Reconnector implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Reconnector.class);

    /** One connection attempt; returns normally once connected. */
    @FunctionalInterface
    interface Attempt {
        void connect() throws Exception;
    }

    private final String name;
    private final Duration firstDelay;
    private final Duration maxDelay;
    private final Attempt attempt;
    private final BooleanSupplier connected;
    private final Runnable onReconnected;
    private final ScheduledExecutorService thread;
    private final AtomicLong failedAttempts = new AtomicLong();
    private Duration nextDelay;
    private ScheduledFuture<?> pending;
    private boolean closed;

    Reconnector(String name, Duration firstDelay, Duration maxDelay, Attempt attempt, BooleanSupplier connected,
                Runnable onReconnected) {
        this.name = name;
        this.firstDelay = firstDelay;
        this.maxDelay = maxDelay.compareTo(firstDelay) < 0 ? firstDelay : maxDelay;
        this.attempt = attempt;
        this.connected = connected;
        this.onReconnected = onReconnected;
        this.nextDelay = firstDelay;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mqtt-reconnect-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** The connection was lost: starts attempting, unless attempts are already scheduled. Never blocks. */
    synchronized void connectionLost() {
        if (closed || pending != null) {
            return;
        }
        long upper = nextDelay.toMillis();
        long delay = upper / 2 + ThreadLocalRandom.current().nextLong(upper - upper / 2 + 1);
        pending = thread.schedule(this::attemptOnce, delay, TimeUnit.MILLISECONDS);
    }

    private void attemptOnce() {
        synchronized (this) {
            pending = null;
            if (closed || connected.getAsBoolean()) {
                return;
            }
        }
        try {
            attempt.connect();
        } catch (Exception e) {
            failedAttempts.incrementAndGet();
            synchronized (this) {
                Duration doubled = nextDelay.multipliedBy(2);
                nextDelay = doubled.compareTo(maxDelay) > 0 ? maxDelay : doubled;
            }
            log.debug("Uplink {}: reconnect failed ({}); next attempt within {} ms", name, e.toString(),
                    nextDelay.toMillis());
            connectionLost();
            return;
        }
        synchronized (this) {
            nextDelay = firstDelay;
        }
        try {
            onReconnected.run();
        } catch (RuntimeException e) {
            log.warn("Uplink {}: after reconnecting: {}", name, e.toString());
        }
    }

    /** Attempts that failed since start (what tests wait on instead of the clock). */
    long failedAttempts() {
        return failedAttempts.get();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (pending != null) {
            pending.cancel(false);
        }
        thread.shutdownNow();
    }
}
