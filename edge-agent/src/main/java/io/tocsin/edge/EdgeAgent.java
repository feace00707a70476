package io.tocsin.edge;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.edge.alarm.LocalAlarms;
import io.tocsin.edge.buffer.BufferException;
import io.tocsin.edge.buffer.DiskBuffer;
import io.tocsin.edge.buffer.DiskFullException;
import io.tocsin.edge.buffer.Lane;
import io.tocsin.edge.buffer.StoredBatch;
import io.tocsin.edge.driver.Driver;
import io.tocsin.edge.driver.Events;
import io.tocsin.edge.driver.modbus.ModbusDriver;
import io.tocsin.edge.uplink.Uplink;
import io.tocsin.edge.uplink.UplinkException;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent of one gateway: on every tick it collects what its drivers read, commits it to the
 * store-and-forward {@link DiskBuffer} as numbered batches, and a sender thread forwards the buffer through
 * the uplink, deleting a batch only once the platform acknowledged it.
 *
 * <p>Events (fire, fault, device offline) go to the buffer's urgent lane, which is sent before any waiting
 * telemetry: after an outage the live alarms reach the platform first, then the backlog replays oldest
 * first, so each sensor's readings still arrive in order. Telemetry is batched: a batch is sealed when it
 * holds {@link Settings#maxBatchReadings()} readings or its oldest reading waited
 * {@link Settings#maxBatchDelay()}; readings not yet sealed are in memory only (with the default delay of
 * zero every tick is sealed, so nothing polled waits in memory longer than one tick).
 *
 * <p>Polling and sending run on separate threads so that a slow or broken uplink never delays sampling.
 */
public final class EdgeAgent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EdgeAgent.class);

    /**
     * Urgent readings kept in memory at most while the buffer cannot store them (a full or broken disk): far more
     * events than a site produces while an operator frees the disk, small enough (a few MB) not to starve the JVM.
     */
    static final int MAX_HELD_URGENT_READINGS = 50_000;

    /**
     * How the agent ticks, batches and retries.
     *
     * @param pollInterval     tick of the agent: how often drivers are drained and batches sealed
     * @param maxBatchReadings a telemetry batch is sealed at this many readings
     * @param maxBatchDelay    ... or when its oldest reading waited this long (zero: every tick)
     * @param firstRetryDelay  back-off after the first refused send, doubled up to {@code maxRetryDelay},
     *                         each with up to 20 % random jitter so that a fleet does not retry in step
     */
    public record Settings(Duration pollInterval, int maxBatchReadings, Duration maxBatchDelay,
                           Duration firstRetryDelay, Duration maxRetryDelay) {
        public Settings {
            if (pollInterval.isNegative() || pollInterval.isZero()) {
                throw new IllegalArgumentException("pollInterval must be positive: " + pollInterval);
            }
            if (maxBatchReadings < 1) {
                throw new IllegalArgumentException("maxBatchReadings must be at least 1: " + maxBatchReadings);
            }
        }

        public static Settings of(Duration pollInterval) {
            return new Settings(pollInterval, 1_000, Duration.ZERO, Duration.ofMillis(200), Duration.ofSeconds(5));
        }

        public Settings withBatching(int maxReadings, Duration maxDelay) {
            return new Settings(pollInterval, maxReadings, maxDelay, firstRetryDelay, maxRetryDelay);
        }

        public Settings withRetryDelays(Duration first, Duration max) {
            return new Settings(pollInterval, maxBatchReadings, maxBatchDelay, first, max);
        }
    }

    private final String siteId;
    private final String deviceId;
    private volatile List<Driver> drivers;
    private final Uplink uplink;
    private final DiskBuffer buffer;
    private final boolean ownsBuffer;
    private volatile Settings settings;
    private final Clock clock;

    private final Object wakeSender = new Object();
    private final List<Reading> openBatch = new ArrayList<>();
    private long openBatchSinceMs;
    private final AtomicLong acknowledged = new AtomicLong();
    private final Counter readingsPolled;
    private final Counter readingsSent;
    private final Counter batchesSent;
    private final Counter sendFailures;
    private final Counter backlogPublishes;
    private final Counter urgentLost;
    /** Urgent batches the buffer could not store yet, oldest first; touched on the polling thread only. */
    private final ArrayDeque<List<Reading>> heldUrgent = new ArrayDeque<>();
    private volatile int heldUrgentReadings;
    private final ScheduledExecutorService poller;
    private final Thread sender;
    private volatile Consumer<List<Reading>> localObserver = readings -> { };
    private volatile LocalAlarms localAlarms;
    private final MeterRegistry meters;
    private volatile boolean running;

    /**
     * The walking-skeleton constructor: an in-memory buffer of at most {@code maxPendingBatches} batches,
     * one batch per poll. Gateways use the constructor with a {@link DiskBuffer} file.
     */
    public EdgeAgent(String siteId, String deviceId, List<Driver> drivers, Uplink uplink, Duration pollInterval,
                     Clock clock, int maxPendingBatches) {
        this(siteId, deviceId, drivers, uplink, DiskBuffer.inMemory(DiskBuffer.Limits.ofBatches(maxPendingBatches)),
                true, Settings.of(pollInterval), clock, new SimpleMeterRegistry());
    }

    /** An agent on {@code buffer}, which it does not close (the caller opened it). */
    public EdgeAgent(String siteId, String deviceId, List<Driver> drivers, Uplink uplink, DiskBuffer buffer,
                     Settings settings, Clock clock, MeterRegistry meters) {
        this(siteId, deviceId, drivers, uplink, buffer, false, settings, clock, meters);
    }

    private EdgeAgent(String siteId, String deviceId, List<Driver> drivers, Uplink uplink, DiskBuffer buffer,
                      boolean ownsBuffer, Settings settings, Clock clock, MeterRegistry meters) {
        this.siteId = siteId;
        this.deviceId = deviceId;
        this.drivers = List.copyOf(drivers);
        this.uplink = uplink;
        this.buffer = buffer;
        this.ownsBuffer = ownsBuffer;
        this.settings = settings;
        this.clock = clock;
        this.meters = meters;
        this.readingsPolled = meters.counter("tocsin.edge.readings.polled", "device", deviceId);
        this.readingsSent = meters.counter("tocsin.edge.readings.sent", "device", deviceId);
        this.batchesSent = meters.counter("tocsin.edge.batches.sent", "device", deviceId);
        this.sendFailures = meters.counter("tocsin.edge.send.failures", "device", deviceId);
        this.backlogPublishes = meters.counter("tocsin.edge.backlog.publishes", "device", deviceId);
        this.urgentLost = meters.counter("tocsin.edge.urgent.lost", "device", deviceId);
        Gauge.builder("tocsin.edge.buffer.batches", buffer, DiskBuffer::batches).tag("device", deviceId)
                .register(meters);
        Gauge.builder("tocsin.edge.buffer.bytes", buffer, DiskBuffer::bytes).tag("device", deviceId)
                .register(meters);
        Gauge.builder("tocsin.edge.buffer.dropped.readings", buffer, DiskBuffer::droppedReadings)
                .tag("device", deviceId).register(meters);
        Gauge.builder("tocsin.edge.buffer.dropped.batches", buffer, DiskBuffer::droppedBatches)
                .tag("device", deviceId).register(meters);
        Gauge.builder("tocsin.edge.buffer.disk.full.errors", buffer, DiskBuffer::diskFullErrors)
                .tag("device", deviceId).register(meters);
        Gauge.builder("tocsin.edge.urgent.held.readings", this, a -> a.heldUrgentReadings)
                .tag("device", deviceId).register(meters);
        registerDeviceGauges(this.drivers);
        this.poller = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "edge-poll-" + deviceId));
        this.sender = new Thread(this::sendLoop, "edge-send-" + deviceId);
        this.sender.setDaemon(true);
    }

    /**
     * Sees every polled reading before it is buffered, on the polling thread (taps, tests). Local alarms use
     * {@link #useLocalAlarms}, whose events go to the urgent lane.
     */
    public void onReadings(Consumer<List<Reading>> observer) {
        this.localObserver = observer;
    }

    /**
     * Evaluates the alarm rules locally on every tick (see {@link LocalAlarms}); their events go to the urgent
     * lane ahead of everything else polled in the same tick. Null turns local alarms off.
     */
    public void useLocalAlarms(LocalAlarms alarms) {
        this.localAlarms = alarms;
    }

    public Optional<LocalAlarms> localAlarms() {
        return Optional.ofNullable(localAlarms);
    }

    /**
     * Applies a new configuration without a restart, between two ticks: what the old drivers gathered is
     * committed, the old drivers are closed, the new ones started; local alarms and batching switch at the same
     * moment. The buffer, the uplink and the tick stay (they need a restart). Blocks until applied.
     */
    public void reconfigure(List<Driver> newDrivers, LocalAlarms newAlarms, Settings newSettings)
            throws InterruptedException {
        if (!newSettings.pollInterval().equals(settings.pollInterval())) {
            throw new IllegalArgumentException("the poll interval cannot change without a restart");
        }
        try {
            poller.submit(() -> {
                pollOnce(); // commits what the old drivers gathered, under the old rules
                List<Driver> old = drivers;
                for (Driver driver : newDrivers) {
                    driver.start();
                }
                drivers = List.copyOf(newDrivers);
                localAlarms = newAlarms;
                settings = newSettings;
                registerDeviceGauges(drivers);
                for (Driver driver : old) {
                    try {
                        driver.close();
                    } catch (RuntimeException e) {
                        log.warn("Driver {} did not close cleanly: {}", driver.name(), e.toString());
                    }
                }
                log.info("Edge agent {}/{} reconfigured: {} driver(s), local alarms {}", siteId, deviceId,
                        drivers.size(), newAlarms == null ? "off" : "rules " + newAlarms.rulesVersion());
            }).get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("reconfiguration failed: " + e.getCause(), e.getCause());
        }
    }

    /** Field-device status per Modbus device: 1 online, 0 offline, -1 not yet known (NaN once removed). */
    private void registerDeviceGauges(List<Driver> current) {
        for (Driver driver : current) {
            if (driver instanceof ModbusDriver modbus) {
                for (String device : modbus.statuses().keySet()) {
                    Gauge.builder("tocsin.edge.field.device.status", this, a -> a.fieldDeviceStatus(device))
                            .tag("device", deviceId).tag("field_device", device).register(meters);
                }
            }
        }
    }

    private double fieldDeviceStatus(String device) {
        for (Driver driver : drivers) {
            if (driver instanceof ModbusDriver modbus && modbus.hasDevice(device)) {
                return switch (modbus.status(device)) {
                    case ONLINE -> 1;
                    case OFFLINE -> 0;
                    case UNKNOWN -> -1;
                };
            }
        }
        return Double.NaN;
    }

    /** The drivers polled now. */
    public List<Driver> drivers() {
        return drivers;
    }

    public void start() {
        running = true;
        for (Driver driver : drivers) {
            driver.start();
        }
        sender.start();
        poller.scheduleAtFixedRate(this::pollOnceSafely, 0, settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
        log.info("Edge agent {}/{} polling {} driver(s) every {} ms, {} batch(es) waiting in the buffer", siteId,
                deviceId, drivers.size(), settings.pollInterval().toMillis(), buffer.batches());
    }

    private void pollOnceSafely() {
        try {
            pollOnce();
        } catch (RuntimeException e) {
            // A scheduled task that throws is never run again: log and keep ticking.
            log.error("Edge agent {}/{}: poll failed: {}", siteId, deviceId, e.toString(), e);
        }
    }

    /** Drains every driver once and commits what they read to the buffer. */
    void pollOnce() {
        long now = clock.millis();
        List<Reading> urgent = new ArrayList<>();
        List<Reading> telemetry = new ArrayList<>();
        for (Driver driver : drivers) {
            try {
                for (Reading reading : driver.poll(now)) {
                    (Events.isEvent(reading) ? urgent : telemetry).add(reading);
                }
            } catch (RuntimeException e) {
                // One broken driver must not silence the others.
                log.warn("Driver {} of {}/{} failed to poll: {}", driver.name(), siteId, deviceId, e.toString());
            }
        }
        readingsPolled.increment(urgent.size() + telemetry.size());
        List<Reading> all = new ArrayList<>(urgent);
        all.addAll(telemetry);
        LocalAlarms alarms = localAlarms;
        if (alarms != null) {
            try {
                // Before anything touches the disk: the siren must not wait for the buffer.
                urgent.addAll(0, alarms.evaluate(all, now));
            } catch (RuntimeException e) {
                log.error("Local alarm evaluation failed: {}", e.toString(), e);
            }
        }
        if (!all.isEmpty()) {
            try {
                localObserver.accept(all);
            } catch (RuntimeException e) {
                log.error("Reading observer failed: {}", e.toString(), e);
            }
        }
        boolean sealed = storeUrgent(urgent);
        synchronized (openBatch) {
            if (openBatch.isEmpty()) {
                openBatchSinceMs = now;
            }
            openBatch.addAll(telemetry);
            while (openBatch.size() >= settings.maxBatchReadings()) {
                List<Reading> full = openBatch.subList(0, settings.maxBatchReadings());
                appendTelemetry(new ArrayList<>(full));
                full.clear();
                openBatchSinceMs = now;
                sealed = true;
            }
            if (!openBatch.isEmpty() && now - openBatchSinceMs >= settings.maxBatchDelay().toMillis()) {
                sealOpenBatch();
                sealed = true;
            }
        }
        if (sealed) {
            synchronized (wakeSender) {
                wakeSender.notifyAll();
            }
        }
    }

    private void sealOpenBatch() {
        synchronized (openBatch) {
            if (!openBatch.isEmpty()) {
                appendTelemetry(new ArrayList<>(openBatch));
                openBatch.clear();
            }
        }
    }

    /** A telemetry batch the disk has no room for is dropped; the buffer counted it and warned. */
    private void appendTelemetry(List<Reading> readings) {
        try {
            buffer.append(siteId, deviceId, Lane.TELEMETRY, readings);
        } catch (DiskFullException e) {
            log.debug("Telemetry batch of {} reading(s) dropped: {}", readings.size(), e.getMessage());
        }
    }

    /**
     * Commits the urgent readings of this tick, after those held from earlier ticks (in order). What the buffer
     * cannot store (disk full with no telemetry left to drop, or broken) is held in memory and tried again on
     * every tick; meanwhile the sender keeps sending and each acknowledged batch frees room. Beyond
     * {@link #MAX_HELD_URGENT_READINGS} the oldest held are given up, counted and logged at ERROR, never silently.
     *
     * @return whether anything was committed
     */
    private boolean storeUrgent(List<Reading> urgent) {
        if (!urgent.isEmpty()) {
            heldUrgent.addLast(urgent);
            heldUrgentReadings += urgent.size();
        }
        boolean stored = false;
        while (!heldUrgent.isEmpty()) {
            List<Reading> oldest = heldUrgent.peekFirst();
            try {
                buffer.append(siteId, deviceId, Lane.URGENT, oldest);
            } catch (BufferException e) {
                if (heldUrgent.size() == 1 && oldest == urgent) {
                    log.warn("Edge agent {}/{}: {} urgent reading(s) held in memory until the buffer can store"
                            + " them: {}", siteId, deviceId, heldUrgentReadings, e.getMessage());
                }
                break;
            }
            heldUrgent.removeFirst();
            heldUrgentReadings -= oldest.size();
            stored = true;
            if (heldUrgent.isEmpty()) {
                log.info("Edge agent {}/{}: every held urgent reading is in the buffer again", siteId, deviceId);
            }
        }
        while (heldUrgentReadings > MAX_HELD_URGENT_READINGS) {
            List<Reading> given = heldUrgent.removeFirst();
            heldUrgentReadings -= given.size();
            urgentLost.increment(given.size());
            log.error("Edge agent {}/{}: LOST {} urgent reading(s) (first {} {}): the buffer could not store them"
                    + " and more than {} are held in memory", siteId, deviceId, given.size(),
                    given.get(0).getSensorId(), given.get(0).getUnit(), MAX_HELD_URGENT_READINGS);
        }
        return stored;
    }

    private void sendLoop() {
        Duration retryDelay = settings.firstRetryDelay();
        while (running) {
            Optional<StoredBatch> next;
            try {
                next = buffer.next();
            } catch (RuntimeException e) {
                log.error("Edge agent {}/{}: cannot read the buffer: {}", siteId, deviceId, e.toString());
                if (!pause(settings.maxRetryDelay())) {
                    return;
                }
                continue;
            }
            if (next.isEmpty()) {
                if (!waitForWork()) {
                    return;
                }
                continue;
            }
            List<StoredBatch> sending = List.of();
            try {
                sending = withFollowingBacklog(next.get());
                uplink.send(publishOf(sending));
                buffer.remove(sending);
                acknowledged.addAndGet(sending.size());
                batchesSent.increment(sending.size());
                for (StoredBatch stored : sending) {
                    readingsSent.increment(stored.batch().getReadingsCount());
                }
                retryDelay = settings.firstRetryDelay();
            } catch (UplinkException e) {
                sendFailures.increment();
                Duration jittered = withJitter(retryDelay);
                log.warn("Edge agent {}/{}: {}; retrying in {} ms ({} batch(es) waiting)", siteId, deviceId,
                        e.getMessage(), jittered.toMillis(), buffer.batches());
                if (!pause(jittered)) {
                    return;
                }
                retryDelay = min(retryDelay.multipliedBy(2), settings.maxRetryDelay());
            } catch (RuntimeException e) {
                // The buffer failed (a full disk cannot even delete): what was sent stays and is sent again.
                log.error("Edge agent {}/{}: buffer failed around a send of {} batch(es): {}", siteId, deviceId,
                        sending.size(), e.toString());
                if (!pause(settings.maxRetryDelay())) {
                    return;
                }
            }
        }
    }

    /**
     * The batches one publish carries: {@code head}, and, when it is telemetry with more telemetry waiting behind
     * it (a backlog after an outage), the batches that follow it in sequence, up to
     * {@link Settings#maxBatchReadings()} readings and the uplink's {@link Uplink#maxPublishBytes()} in all. One batch per round trip would drain a ten-minute
     * backlog of a 20 ms poll (30,000 batches) in minutes while new alarms wait behind it; merged, the backlog
     * takes one publish per thousand readings, still oldest first and acknowledged as one, so per-sensor order
     * and at-least-once are unchanged. A gap in the sequence (batches dropped by a full buffer) ends the merge,
     * so a merged publish never claims sequence numbers it does not carry. Urgent batches go alone.
     */
    private List<StoredBatch> withFollowingBacklog(StoredBatch head) {
        int maxReadings = settings.maxBatchReadings();
        if (head.lane() != Lane.TELEMETRY || head.batch().getReadingsCount() >= maxReadings) {
            return List.of(head);
        }
        // Every batch has at least one reading, so no publish can hold more than maxReadings batches.
        List<StoredBatch> waiting = buffer.head(maxReadings);
        if (waiting.size() < 2 || waiting.get(0).id() != head.id()) {
            return List.of(head);
        }
        List<StoredBatch> sending = new ArrayList<>();
        sending.add(head);
        int readings = head.batch().getReadingsCount();
        int bytes = head.batch().getSerializedSize();
        for (StoredBatch candidate : waiting.subList(1, waiting.size())) {
            TelemetryBatch previous = sending.get(sending.size() - 1).batch();
            TelemetryBatch batch = candidate.batch();
            if (candidate.lane() != Lane.TELEMETRY || batch.getSequence() != previous.getSequence() + 1
                    || readings + batch.getReadingsCount() > maxReadings
                    || bytes + batch.getSerializedSize() > uplink.maxPublishBytes()) {
                break;
            }
            sending.add(candidate);
            readings += batch.getReadingsCount();
            // Each batch's own site, device and sequence are counted too: the merged batch is a little smaller.
            bytes += batch.getSerializedSize();
        }
        return sending;
    }

    /** One batch as it was buffered, or several consecutive ones as one batch covering their sequence range. */
    private TelemetryBatch publishOf(List<StoredBatch> sending) {
        if (sending.size() == 1) {
            return sending.get(0).batch();
        }
        TelemetryBatch first = sending.get(0).batch();
        TelemetryBatch.Builder merged = TelemetryBatch.newBuilder()
                .setSiteId(first.getSiteId())
                .setDeviceId(first.getDeviceId())
                .setFirstSequence(first.getSequence())
                .setSequence(sending.get(sending.size() - 1).batch().getSequence());
        for (StoredBatch stored : sending) {
            merged.addAllReadings(stored.batch().getReadingsList());
        }
        backlogPublishes.increment();
        return merged.build();
    }

    private static Duration withJitter(Duration delay) {
        long millis = delay.toMillis();
        return Duration.ofMillis(millis + ThreadLocalRandom.current().nextLong(millis / 5 + 1));
    }

    private boolean waitForWork() {
        synchronized (wakeSender) {
            try {
                // Bounded wait: a batch appended between next() and here is picked up within a second.
                if (running && buffer.batches() == 0) {
                    wakeSender.wait(1_000);
                }
                return running;
            } catch (InterruptedException e) {
                return false;
            }
        }
    }

    private boolean pause(Duration delay) {
        synchronized (wakeSender) {
            try {
                // Woken early only by close(); new batches do not shorten the back-off.
                long deadline = System.nanoTime() + delay.toNanos();
                long left;
                while (running && (left = deadline - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.timedWait(wakeSender, left);
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

    /** Batches the platform acknowledged since start. */
    public long acknowledgedBatches() {
        return acknowledged.get();
    }

    /** Telemetry batches the buffer dropped because it was full. */
    public long droppedBatches() {
        return buffer.droppedBatches();
    }

    /** Urgent readings held in memory because the buffer could not store them (disk full). */
    public int heldUrgentReadings() {
        return heldUrgentReadings;
    }

    /** Urgent readings given up because more than {@link #MAX_HELD_URGENT_READINGS} were held. */
    public long lostUrgentReadings() {
        return (long) urgentLost.count();
    }

    /** Batches waiting in the buffer. */
    public int pendingBatches() {
        return buffer.batches();
    }

    /**
     * Stops polling, seals what was polled, stops sending and closes drivers and uplink. What was not
     * acknowledged stays in the buffer for the next start.
     */
    @Override
    public void close() {
        poller.shutdownNow();
        try {
            poller.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running = false;
        synchronized (wakeSender) {
            wakeSender.notifyAll();
        }
        try {
            sender.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sealOpenBatch();
        storeUrgent(List.of());
        if (heldUrgentReadings > 0) {
            log.error("Edge agent {}/{}: LOST {} urgent reading(s) at close: the buffer could not store them",
                    siteId, deviceId, heldUrgentReadings);
        }
        for (Driver driver : drivers) {
            try {
                driver.close();
            } catch (RuntimeException e) {
                log.warn("Driver {} did not close cleanly: {}", driver.name(), e.toString());
            }
        }
        uplink.close();
        if (ownsBuffer) {
            buffer.close();
        }
    }
}
