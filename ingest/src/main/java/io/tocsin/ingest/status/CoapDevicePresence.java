package io.tocsin.ingest.status;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tocsin.ingest.auth.Identity;
import io.tocsin.proto.MqttTopics.DeviceAddress;
import io.tocsin.proto.v1.ConnectionState;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.StatusCause;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Online/offline of CoAP devices, written as {@link DeviceStatus} events through the same {@link DeviceStatusWriter}
 * as the MQTT connections' ({@link DeviceStatusEvents}), so the stream job raises "gateway offline" faults for
 * both alike. CoAP has no connection, so presence is inferred from telemetry: a device is ONLINE at its first
 * accepted POST (since start, or since it went offline; cause {@code TELEMETRY_RECEIVED}) and OFFLINE once no
 * accepted POST came for {@code offlineAfter} (cause {@code SILENCE}). Refused POSTs (no identity, another
 * device's path, bad payload) say nothing about the device and are not counted as a sign of life. A POST that the
 * telemetry log then fails to store (5.03) is: the device is there and will resend.
 *
 * <p>Events carry transport "coap", the same server id as this server's MQTT events (its host name, or the id
 * the server was given) and the site and device of the request path, so {@code GatewayConnection} in the stream job judges them like MQTT ones
 * (an OFFLINE counts only from the server the device was last seen ONLINE on).
 *
 * <p>One timer for every device: a sweep on one thread every {@code offlineAfter / 10} (10 ms to 1 s) walks the
 * online devices (10,000 entries take well under a millisecond) and turns those silent too long offline. A POST of
 * a device already online only moves its last-heard time (a compare-and-set, no lock, no task).
 *
 * <p>Graceful shutdown ({@link #close}) writes OFFLINE (cause {@code CLOSED_BY_SERVER}) for every device online
 * here, as the MQTT side does when it drops its connections. Staying quiet would be worse: nobody would watch
 * these devices' silence any more, so a device that died while (or after) this server stopped would never get an
 * OFFLINE, and never a fault. With it, the stream job's grace (10 s by default) runs, and a device that POSTs to
 * the restarted server or another one within it is ONLINE again without a fault.
 */
public final class CoapDevicePresence implements AutoCloseable {

    /** Gauge: CoAP devices online as seen by this server. */
    public static final String ONLINE_DEVICES = "tocsin.ingest.coap.devices.online";
    /** Counter: status transitions of CoAP devices, tags {@code state} (online, offline) and {@code cause}. */
    public static final String TRANSITIONS = "tocsin.ingest.coap.status.transitions";

    private static final Logger log = LoggerFactory.getLogger(CoapDevicePresence.class);
    private static final long MIN_SWEEP_MS = 10;
    private static final long MAX_SWEEP_MS = 1_000;
    /** Last-heard value of a device that went offline: a POST seeing it starts a new online spell. */
    private static final long GONE = Long.MIN_VALUE;

    private final DeviceStatusWriter writer;
    private final String serverId;
    private final Duration offlineAfter;
    private final long offlineAfterNanos;
    private final Map<String, Device> online = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper;
    private final Counter onlineCount;
    private final Counter offlineSilence;
    private final Counter offlineShutdown;
    /** Guarded by {@code this}, as is every transition (so each device's events are written in order). */
    private boolean closed;

    /** One device online here. */
    private static final class Device {
        final DeviceAddress address;
        final String clientId;
        final String key;
        /** System.nanoTime() of the last accepted POST, or {@link #GONE} once offline. */
        final AtomicLong lastHeardNanos;
        volatile InetSocketAddress lastSource;

        Device(DeviceAddress address, String clientId, String key, long nowNanos, InetSocketAddress source) {
            this.address = address;
            this.clientId = clientId;
            this.key = key;
            this.lastHeardNanos = new AtomicLong(nowNanos);
            this.lastSource = source;
        }

        /** Moves the last-heard time; false when the device went offline meanwhile. */
        boolean touch(long nowNanos) {
            while (true) {
                long last = lastHeardNanos.get();
                if (last == GONE) {
                    return false;
                }
                if (lastHeardNanos.compareAndSet(last, nowNanos)) {
                    return true;
                }
            }
        }
    }

    public CoapDevicePresence(DeviceStatusWriter writer, String serverId, Duration offlineAfter,
                              MeterRegistry meters) {
        this.writer = Objects.requireNonNull(writer, "writer");
        this.serverId = Objects.requireNonNull(serverId, "serverId");
        this.offlineAfter = Objects.requireNonNull(offlineAfter, "offlineAfter");
        if (offlineAfter.isNegative() || offlineAfter.isZero()) {
            throw new IllegalArgumentException("offlineAfter must be positive: " + offlineAfter);
        }
        this.offlineAfterNanos = offlineAfter.toNanos();
        this.onlineCount = meters.counter(TRANSITIONS, "state", "online", "cause", "telemetry_received");
        this.offlineSilence = meters.counter(TRANSITIONS, "state", "offline", "cause", "silence");
        this.offlineShutdown = meters.counter(TRANSITIONS, "state", "offline", "cause", "shutdown");
        Gauge.builder(ONLINE_DEVICES, online, Map::size)
                .description("CoAP devices online (an accepted telemetry POST within the offline silence)")
                .register(meters);
        this.sweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "tocsin-coap-presence");
            thread.setDaemon(true);
            return thread;
        });
        long sweepMs = Math.max(MIN_SWEEP_MS, Math.min(MAX_SWEEP_MS, offlineAfter.toMillis() / 10));
        sweeper.scheduleWithFixedDelay(this::sweepSafely, sweepMs, sweepMs, TimeUnit.MILLISECONDS);
    }

    /**
     * An accepted telemetry POST of {@code address} (its path, already checked against {@code identity}).
     * Called on Californium's threads: never blocks beyond a short lock when the device comes online.
     */
    public void heard(DeviceAddress address, Identity identity, InetSocketAddress source) {
        long now = System.nanoTime();
        String key = address.siteId() + "/" + address.deviceId();
        Device device = online.get(key);
        if (device != null && device.touch(now)) {
            device.lastSource = source;
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            device = online.get(key);
            if (device != null && device.touch(now)) {
                device.lastSource = source; // another POST of the same device got here first
                return;
            }
            device = new Device(address, clientId(address, identity), key, now, source);
            online.put(key, device);
            write(device, ConnectionState.CONNECTION_STATE_ONLINE, StatusCause.STATUS_CAUSE_TELEMETRY_RECEIVED);
            onlineCount.increment();
        }
        log.info("CoAP device {} online: accepted telemetry from {} as {}", key, source,
                identity.kind() == Identity.Kind.UNRESTRICTED ? "anyone (no credential registry)" : identity);
    }

    /** Devices online now. */
    public int onlineCount() {
        return online.size();
    }

    /** The silence after which a device is offline. */
    public Duration offlineAfter() {
        return offlineAfter;
    }

    private void sweepSafely() {
        try {
            sweep();
        } catch (RuntimeException e) {
            // A failed sweep must not end the timer (a ScheduledExecutorService drops a task that threw).
            log.error("CoAP presence sweep failed; next one in a moment", e);
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Device device : online.values()) {
            long last = device.lastHeardNanos.get();
            if (last == GONE || now - last < offlineAfterNanos) {
                continue;
            }
            long silentMs;
            synchronized (this) {
                if (closed || !device.lastHeardNanos.compareAndSet(last, GONE)) {
                    continue; // heard meanwhile, or shutting down (close() writes the OFFLINE)
                }
                online.remove(device.key, device);
                write(device, ConnectionState.CONNECTION_STATE_OFFLINE, StatusCause.STATUS_CAUSE_SILENCE);
                offlineSilence.increment();
                silentMs = TimeUnit.NANOSECONDS.toMillis(now - last);
            }
            log.info("CoAP device {} offline: no accepted telemetry for {} ms (limit {} ms; last from {})",
                    device.key, silentMs, offlineAfter.toMillis(), device.lastSource);
        }
    }

    /** Writes OFFLINE (closed by server) for every device online here and stops the sweep. */
    @Override
    public void close() {
        sweeper.shutdownNow();
        int count = 0;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (Device device : online.values()) {
                if (device.lastHeardNanos.getAndSet(GONE) == GONE) {
                    continue;
                }
                write(device, ConnectionState.CONNECTION_STATE_OFFLINE, StatusCause.STATUS_CAUSE_CLOSED_BY_SERVER);
                offlineShutdown.increment();
                count++;
                log.info("CoAP device {} offline: this server is shutting down", device.key);
            }
            online.clear();
        }
        if (count > 0) {
            log.info("CoAP presence stopped: {} devices reported offline (server shutdown)", count);
        }
        try {
            sweeper.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void write(Device device, ConnectionState state, StatusCause cause) {
        writer.write(DeviceStatus.newBuilder()
                .setClientId(device.clientId)
                .setSiteId(device.address.siteId())
                .setDeviceId(device.address.deviceId())
                .setState(state)
                .setCause(cause)
                .setEventTimeMs(System.currentTimeMillis())
                .setTransport("coap")
                .setServerId(serverId)
                .build());
    }

    /**
     * The DTLS pre-shared key identity (the registry name, as the MQTT user name of a registered device); without a
     * registry nobody has a name, so the edge agent's client id form {@code site.device}.
     */
    private static String clientId(DeviceAddress address, Identity identity) {
        return identity.kind() == Identity.Kind.DEVICE ? identity.name()
                : address.siteId() + "." + address.deviceId();
    }
}
