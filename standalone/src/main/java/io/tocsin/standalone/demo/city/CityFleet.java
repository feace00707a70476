package io.tocsin.standalone.demo.city;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.standalone.demo.city.CitySite.Gateway;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The city's gateways, simulated: one MQTT connection per gateway ({@link GatewayConnection}), all on a small
 * Netty event loop group, each ticking once a second and publishing one batch with the readings due (periodic
 * values, smoke heartbeats, state changes at once). Runs the plan's scripted incidents, including the gateway
 * that loses its uplink.
 */
public final class CityFleet implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CityFleet.class);
    private static final long TICK_MS = 1_000;

    private final EventLoopGroup loops;
    private final List<SimulatedGateway> gateways = new ArrayList<>();
    private final LongAdder readingsAcknowledged = new LongAdder();
    private final LongAdder readingsSent = new LongAdder();
    private final LongAdder batchesAcknowledged = new LongAdder();
    private final LongAdder batchesRefused = new LongAdder();
    private final LongAdder batchesDropped = new LongAdder();
    private final AtomicInteger online = new AtomicInteger();

    private CityFleet(int threads) {
        this.loops = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("city-fleet", true),
                NioIoHandler.newFactory());
    }

    /**
     * Connects every gateway of the plan to the MQTT server at {@code serverUri} ({@code tcp://host:port}) and
     * starts ticking; the plan's incident times count from now.
     *
     * @param threads event loop threads for all the gateways (1 carries a city)
     */
    public static CityFleet start(CityPlan plan, String serverUri, Clock clock, int threads) {
        URI uri = URI.create(serverUri);
        CityFleet fleet = new CityFleet(threads);
        long startMs = clock.millis();
        SplittableRandom random = new SplittableRandom(42);
        for (CitySite site : plan.sites()) {
            for (Gateway gateway : site.gateways()) {
                EventLoop loop = fleet.loops.next();
                SimulatedGateway g = fleet.new SimulatedGateway(site, gateway, loop, uri, clock, startMs,
                        random.split());
                fleet.gateways.add(g);
            }
        }
        for (SimulatedGateway g : fleet.gateways) {
            g.start();
        }
        log.info("City fleet: {} gateways of {} sites connecting to {}, ~{} readings/s when quiet", fleet.gateways
                .size(), plan.sites().size(), serverUri, Math.round(plan.quietReadingsPerSecond()));
        return fleet;
    }

    public int gateways() {
        return gateways.size();
    }

    /** Gateways connected right now. */
    public int online() {
        return online.get();
    }

    public long readingsAcknowledged() {
        return readingsAcknowledged.sum();
    }

    public long readingsSent() {
        return readingsSent.sum();
    }

    public long batchesAcknowledged() {
        return batchesAcknowledged.sum();
    }

    public long batchesRefused() {
        return batchesRefused.sum();
    }

    /** Telemetry batches a gateway dropped because its queue was full (0 unless the platform was down long). */
    public long batchesDropped() {
        return batchesDropped.sum();
    }

    /** Batches waiting at the gateways (queued or in flight). */
    public long pending() {
        return gateways.stream().mapToLong(g -> g.connection.pending()).sum();
    }

    @Override
    public void close() {
        for (SimulatedGateway g : gateways) {
            g.connection.close();
        }
        loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One gateway: its points, when each is due, and its connection. Runs on its event loop only. */
    private final class SimulatedGateway implements GatewayConnection.Listener {
        private final CitySite site;
        private final Gateway plan;
        private final GatewayConnection connection;
        private final Clock clock;
        private final long startMs;
        private final SplittableRandom random;
        private final SimulatedPoint[] points;
        private final long[] nextDueMs;
        private final double[] lastSent;
        private long sequence;
        private boolean droppedByScript;
        private boolean outageOver;

        SimulatedGateway(CitySite site, Gateway plan, EventLoop loop, URI uri, Clock clock, long startMs,
                         SplittableRandom random) {
            this.site = site;
            this.plan = plan;
            this.clock = clock;
            this.startMs = startMs;
            this.random = random;
            this.connection = new GatewayConnection(loop, uri.getHost(), uri.getPort(), site.siteId(),
                    plan.deviceId(), this);
            this.points = plan.points().toArray(SimulatedPoint[]::new);
            this.nextDueMs = new long[points.length];
            this.lastSent = new double[points.length];
            for (int i = 0; i < points.length; i++) {
                // Points read every tick are due at every tick; heartbeats spread over their interval, as real
                // panels started at different times.
                long interval = points[i].intervalMs();
                nextDueMs[i] = interval <= TICK_MS ? startMs : startMs + random.nextLong(interval);
                lastSent[i] = Double.NaN;
            }
        }

        void start() {
            connection.goOnline();
            // Spread the gateways' ticks over the second.
            connection.eventLoop().scheduleAtFixedRate(this::tick, random.nextLong(TICK_MS), TICK_MS,
                    TimeUnit.MILLISECONDS);
        }

        private void tick() {
            long now = clock.millis();
            long elapsed = now - startMs;
            plan.offline().ifPresent(window -> {
                boolean shouldBeDown = elapsed >= window[0] && elapsed < window[1];
                if (shouldBeDown && !droppedByScript && !outageOver) {
                    droppedByScript = true;
                    log.info("Scripted: gateway {}/{} loses its uplink", site.siteId(), plan.deviceId());
                    connection.goOffline();
                } else if (!shouldBeDown && droppedByScript) {
                    droppedByScript = false;
                    outageOver = true;
                    log.info("Scripted: gateway {}/{} is back, replaying {} batch(es)", site.siteId(),
                            plan.deviceId(), connection.pending());
                    connection.goOnline();
                }
            });
            TelemetryBatch.Builder batch = null;
            for (int i = 0; i < points.length; i++) {
                SimulatedPoint p = points[i];
                boolean due = now >= nextDueMs[i];
                if (!due && !p.kind().changeDriven) {
                    continue;
                }
                double value = p.valueAt(elapsed, random);
                if (!due && value == lastSent[i]) {
                    continue; // change-driven point, no change
                }
                if (batch == null) {
                    batch = TelemetryBatch.newBuilder().setSiteId(site.siteId()).setDeviceId(plan.deviceId())
                            .setSequence(++sequence);
                }
                batch.addReadings(Reading.newBuilder().setSensorId(p.sensorId()).setTimestampMs(now).setValue(value)
                        .setQuality(Quality.QUALITY_GOOD).setUnit(p.kind().unit()));
                lastSent[i] = value;
                if (due) {
                    // On the point's own schedule, not the tick's: a tick a few ms late must not push every
                    // 1 s point to the tick after next (halving its rate). After a long stall, restart from now.
                    long next = nextDueMs[i] + p.intervalMs();
                    nextDueMs[i] = next > now ? next : now + p.intervalMs();
                }
            }
            if (batch != null) {
                readingsSent.add(batch.getReadingsCount());
                connection.publish(batch.build());
            }
        }

        @Override
        public void acknowledged(TelemetryBatch batch) {
            batchesAcknowledged.increment();
            readingsAcknowledged.add(batch.getReadingsCount());
        }

        @Override
        public void refused(TelemetryBatch batch, int reasonCode) {
            batchesRefused.increment();
            log.debug("Gateway {}/{}: batch {} refused with 0x{}", site.siteId(), plan.deviceId(),
                    batch.getSequence(), Integer.toHexString(reasonCode));
        }

        @Override
        public void dropped(TelemetryBatch batch) {
            batchesDropped.increment();
        }

        @Override
        public void connected(boolean up) {
            if (up) {
                online.incrementAndGet();
            } else {
                online.decrementAndGet();
            }
        }
    }
}
