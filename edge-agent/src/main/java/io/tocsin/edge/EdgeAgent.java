package io.tocsin.edge;

import io.tocsin.edge.driver.Driver;
import io.tocsin.edge.uplink.Uplink;
import io.tocsin.edge.uplink.UplinkException;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent of one gateway: polls its drivers on a fixed interval, numbers each batch of readings, and
 * sends the batches in order through the uplink, keeping each one until it is acknowledged.
 *
 * <p>Polling and sending run on separate threads so that a slow or broken uplink never delays the
 * sampling of the detectors. Unsent batches wait in a bounded in-memory queue (the disk-backed
 * store-and-forward buffer replaces it in a later step); when the bound bites, the oldest batch is dropped
 * and counted.
 */
public final class EdgeAgent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EdgeAgent.class);
    private static final Duration FIRST_RETRY_DELAY = Duration.ofMillis(200);
    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(5);

    private final String siteId;
    private final String deviceId;
    private final List<Driver> drivers;
    private final Uplink uplink;
    private final Duration pollInterval;
    private final Clock clock;
    private final int maxPendingBatches;

    private final Deque<TelemetryBatch> pending = new ArrayDeque<>();
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final ScheduledExecutorService poller;
    private final Thread sender;
    private long nextSequence = 1;
    private volatile boolean running;

    public EdgeAgent(String siteId, String deviceId, List<Driver> drivers, Uplink uplink, Duration pollInterval,
                     Clock clock, int maxPendingBatches) {
        this.siteId = siteId;
        this.deviceId = deviceId;
        this.drivers = List.copyOf(drivers);
        this.uplink = uplink;
        this.pollInterval = pollInterval;
        this.clock = clock;
        this.maxPendingBatches = maxPendingBatches;
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "edge-poll-" + deviceId));
        this.sender = new Thread(this::sendLoop, "edge-send-" + deviceId);
        this.sender.setDaemon(true);
    }

    public void start() {
        running = true;
        sender.start();
        poller.scheduleAtFixedRate(this::pollOnce, 0, pollInterval.toMillis(), TimeUnit.MILLISECONDS);
        log.info("Edge agent {}/{} polling {} driver(s) every {} ms", siteId, deviceId, drivers.size(),
                pollInterval.toMillis());
    }

    /** Polls every driver once and queues the readings as the next batch. */
    void pollOnce() {
        long now = clock.millis();
        List<Reading> readings = new ArrayList<>();
        for (Driver driver : drivers) {
            try {
                readings.addAll(driver.poll(now));
            } catch (RuntimeException e) {
                // One broken driver must not silence the others.
                log.warn("Driver {} of {}/{} failed to poll: {}", driver.name(), siteId, deviceId, e.toString());
            }
        }
        if (readings.isEmpty()) {
            return;
        }
        synchronized (pending) {
            TelemetryBatch batch = TelemetryBatch.newBuilder()
                    .setSiteId(siteId).setDeviceId(deviceId).setSequence(nextSequence++)
                    .addAllReadings(readings).build();
            if (pending.size() >= maxPendingBatches) {
                TelemetryBatch oldest = pending.removeFirst();
                dropped.incrementAndGet();
                log.warn("Edge agent {}/{}: {} batches waiting, dropped batch {}", siteId, deviceId,
                        maxPendingBatches, oldest.getSequence());
            }
            pending.addLast(batch);
            pending.notifyAll();
        }
    }

    private void sendLoop() {
        Duration retryDelay = FIRST_RETRY_DELAY;
        while (running) {
            TelemetryBatch head;
            synchronized (pending) {
                while (running && pending.isEmpty()) {
                    try {
                        pending.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                head = pending.peekFirst();
            }
            if (head == null) {
                return;
            }
            try {
                uplink.send(head);
                synchronized (pending) {
                    // Drop-oldest may have removed it meanwhile; only remove what we sent.
                    if (pending.peekFirst() == head) {
                        pending.removeFirst();
                    }
                }
                acknowledged.incrementAndGet();
                retryDelay = FIRST_RETRY_DELAY;
            } catch (UplinkException e) {
                log.warn("Edge agent {}/{}: {}; retrying in {} ms", siteId, deviceId, e.getMessage(),
                        retryDelay.toMillis());
                if (!pauseBeforeRetry(retryDelay)) {
                    return;
                }
                retryDelay = min(retryDelay.multipliedBy(2), MAX_RETRY_DELAY);
            }
        }
    }

    private boolean pauseBeforeRetry(Duration delay) {
        synchronized (pending) {
            try {
                // Woken early only by close(); new batches do not shorten the back-off.
                long deadline = System.nanoTime() + delay.toNanos();
                long left;
                while (running && (left = deadline - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.timedWait(pending, left);
                }
                return running;
            } catch (InterruptedException e) {
                return false;
            }
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    public String siteId() {
        return siteId;
    }

    public String deviceId() {
        return deviceId;
    }

    /** Batches the platform acknowledged so far. */
    public long acknowledgedBatches() {
        return acknowledged.get();
    }

    /** Batches dropped because the queue of unsent batches was full. */
    public long droppedBatches() {
        return dropped.get();
    }

    public int pendingBatches() {
        synchronized (pending) {
            return pending.size();
        }
    }

    @Override
    public void close() {
        running = false;
        poller.shutdownNow();
        synchronized (pending) {
            pending.notifyAll();
        }
        try {
            sender.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        uplink.close();
    }
}
