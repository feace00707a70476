package io.tocsin.edge;

import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.edge.buffer.DiskBuffer;
import io.tocsin.edge.driver.Driver;
import io.tocsin.rules.events.FieldEvent;
import io.tocsin.edge.driver.Events;
import io.tocsin.edge.uplink.Uplink;
import io.tocsin.edge.uplink.UplinkException;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Child JVM of {@link EdgeAgentDiskFullTest}, started under a file-size limit ({@code ulimit -f}): a real
 * {@link EdgeAgent} on a real {@link DiskBuffer} file, a driver of 100 gas readings per tick and an uplink that
 * refuses everything until told otherwise. Fills the disk, raises a fire while it is full, opens the uplink and
 * prints what it sent ({@code SENT-FIRE}) and a {@code RESULT} line; exits 0 when every step happened in time.
 */
public final class DiskFullAgentProcess {

    private static final Duration STEP = Duration.ofSeconds(60);

    public static void main(String[] args) {
        try {
            run(Path.of(args[0]));
            System.out.flush();
            System.exit(0);
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1); // the agent's polling thread would keep the JVM alive
        }
    }

    private static long walBytes(Path file) throws IOException {
        Path wal = file.resolveSibling(file.getFileName() + "-wal");
        return Files.exists(wal) ? Files.size(wal) : -1;
    }

    private static void run(Path file) throws Exception {
        AtomicBoolean raiseFire = new AtomicBoolean();
        AtomicLong fireRaisedAtTick = new AtomicLong(-1);
        AtomicLong ticks = new AtomicLong();
        Driver gas = new Driver() {
            @Override
            public String name() {
                return "gas-x100";
            }

            @Override
            public List<Reading> poll(long nowMs) {
                long tick = ticks.incrementAndGet();
                List<Reading> readings = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    readings.add(Reading.newBuilder().setSensorId("gas-" + i).setTimestampMs(nowMs).setValue(tick)
                            .setQuality(Quality.QUALITY_GOOD).setUnit("%LEL").build());
                }
                if (raiseFire.compareAndSet(true, false)) {
                    readings.add(Events.event("zone-7", FieldEvent.FIRE, nowMs, true));
                    fireRaisedAtTick.set(tick);
                }
                return readings;
            }
        };
        AtomicBoolean uplinkUp = new AtomicBoolean();
        AtomicBoolean fireSent = new AtomicBoolean();
        AtomicLong latestTickSent = new AtomicLong();
        Uplink uplink = new Uplink() {
            @Override
            public void send(TelemetryBatch batch) throws UplinkException {
                if (!uplinkUp.get()) {
                    throw new UplinkException("platform unreachable (test)");
                }
                for (Reading reading : batch.getReadingsList()) {
                    if (Events.isEvent(reading)) {
                        System.out.println("SENT-FIRE " + reading.getSensorId() + " " + reading.getUnit()
                                + " sequence " + batch.getSequence());
                        fireSent.set(true);
                    } else {
                        latestTickSent.accumulateAndGet((long) reading.getValue(), Math::max);
                    }
                }
            }

            @Override
            public void close() {
            }
        };
        DiskBuffer buffer = DiskBuffer.open(file, DiskBuffer.Limits.ofBytes(1L << 30));
        EdgeAgent.Settings settings = EdgeAgent.Settings.of(Duration.ofMillis(5))
                .withRetryDelays(Duration.ofMillis(5), Duration.ofMillis(20));
        EdgeAgent agent = new EdgeAgent("park-1", "gw-1", List.of(gas), uplink, buffer, settings,
                Clock.systemUTC(), new SimpleMeterRegistry());
        agent.start();

        // 1. The disk fills up: telemetry is being dropped because the file system has no room.
        await().atMost(STEP).until(() -> buffer.diskFullErrors() > 0 && buffer.droppedBatches() > 0);
        System.out.println("DISK-FULL after tick " + ticks.get() + ", " + buffer.batches() + " batches buffered");

        // 2. A fire while the disk is full and the uplink is down.
        raiseFire.set(true);
        await().atMost(STEP).until(() -> fireRaisedAtTick.get() > 0 && ticks.get() > fireRaisedAtTick.get() + 2);
        boolean stillFull = buffer.diskFull();
        System.out.println("FIRE raised at tick " + fireRaisedAtTick.get() + ", disk still full: " + stillFull
                + ", urgent held in memory: " + agent.heldUrgentReadings());

        // 3. The platform is reachable again: the fire goes first, the backlog drains, room comes back.
        long tickAtUplinkUp = ticks.get();
        uplinkUp.set(true);
        try {
            await().atMost(STEP).until(fireSent::get);
            await().atMost(STEP).until(() -> !buffer.diskFull() && latestTickSent.get() > tickAtUplinkUp + 10);
        } catch (ConditionTimeoutException e) {
            // Where it got stuck, for the test's transcript.
            System.out.println("STUCK fireSent=" + fireSent.get() + " diskFull=" + buffer.diskFull() + " batches="
                    + buffer.batches() + " urgent=" + buffer.urgentBatches() + " diskFullErrors="
                    + buffer.diskFullErrors() + " droppedBatches=" + buffer.droppedBatches() + " ticks=" + ticks.get()
                    + " tickAtUplinkUp=" + tickAtUplinkUp + " latestTickSent=" + latestTickSent.get()
                    + " fileBytes=" + Files.size(file) + " walBytes=" + walBytes(file));
            throw e;
        }
        agent.close();
        System.out.println("RESULT fireSent=" + fireSent.get() + " diskFullAtFire=" + stillFull
                + " droppedBatches=" + buffer.droppedBatches() + " droppedReadings=" + buffer.droppedReadings()
                + " diskFullErrors=" + buffer.diskFullErrors() + " episodes=" + buffer.diskFullEpisodes()
                + " urgentLost=" + agent.lostUrgentReadings() + " ticks=" + ticks.get()
                + " latestTickSent=" + latestTickSent.get());
        buffer.close();
    }
}
