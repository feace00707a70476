package io.tocsin.edge;

import io.tocsin.rules.events.FieldEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.edge.buffer.DiskBuffer;
import io.tocsin.edge.driver.Driver;
import io.tocsin.edge.uplink.Uplink;
import io.tocsin.edge.uplink.UplinkException;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class EdgeAgentTest {

    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);
    private static final Duration NEVER_AGAIN = Duration.ofHours(1);

    /** Records every attempt; refuses the first {@code refusals} of them, as a platform without Kafka does. */
    private static class RecordingUplink implements Uplink {
        final List<TelemetryBatch> attempts = new CopyOnWriteArrayList<>();
        final AtomicInteger refusals;

        RecordingUplink(int refusals) {
            this.refusals = new AtomicInteger(refusals);
        }

        @Override
        public void send(TelemetryBatch batch) throws UplinkException {
            attempts.add(batch);
            if (refusals.getAndDecrement() > 0) {
                throw new UplinkException("refused with reason code 0x80");
            }
        }

        @Override
        public void close() {
        }
    }

    /** The sequence numbers a publish carries: one, or a merged backlog's first_sequence..sequence. */
    static List<Long> covered(TelemetryBatch batch) {
        return LongStream.rangeClosed(firstCovered(batch), batch.getSequence()).boxed().toList();
    }

    static long firstCovered(TelemetryBatch batch) {
        return batch.getFirstSequence() == 0 ? batch.getSequence() : batch.getFirstSequence();
    }

    @Test
    void aBacklogIsSentAsMergedPublishesInOrderWithinTheReadingLimit() {
        RecordingUplink uplink = new RecordingUplink(0);
        DiskBuffer buffer = DiskBuffer.inMemory(DiskBuffer.Limits.ofBatches(100));
        EdgeAgent.Settings settings = EdgeAgent.Settings.of(NEVER_AGAIN).withBatching(6, Duration.ZERO);
        try (EdgeAgent agent = new EdgeAgent("park-1", "gw-1", List.of(constant("gas-01", 1), constant("gas-02", 2)),
                uplink, buffer, settings, CLOCK, new SimpleMeterRegistry())) {
            for (int i = 0; i < 10; i++) {
                agent.pollOnce(); // ten batches of two readings while the sender is not running: a backlog
            }
            agent.start(); // polls batch 11 at once, concurrently with the first send
            await().atMost(Duration.ofSeconds(10)).until(() -> agent.acknowledgedBatches() == 11);

            assertThat(uplink.attempts.subList(0, 3)).extracting(EdgeAgentTest::covered).containsExactly(
                    List.of(1L, 2L, 3L), List.of(4L, 5L, 6L), List.of(7L, 8L, 9L));
            assertThat(uplink.attempts.stream().flatMap(b -> covered(b).stream()).toList())
                    .isEqualTo(LongStream.rangeClosed(1, 11).boxed().toList());
            assertThat(uplink.attempts).allSatisfy(b -> assertThat(b.getReadingsCount()).isLessThanOrEqualTo(6));
            TelemetryBatch merged = uplink.attempts.get(0);
            assertThat(merged.getReadingsList()).extracting(Reading::getSensorId)
                    .containsExactly("gas-01", "gas-02", "gas-01", "gas-02", "gas-01", "gas-02");
            assertThat(agent.pendingBatches()).isZero();
        } finally {
            buffer.close();
        }
    }

    @Test
    void aMergedPublishStaysWithinTheUplinksPayloadLimit() {
        RecordingUplink uplink = new RecordingUplink(0) {
            @Override
            public int maxPublishBytes() {
                return 100; // like a CoAP uplink's small payload
            }
        };
        DiskBuffer buffer = DiskBuffer.inMemory(DiskBuffer.Limits.ofBatches(100));
        try (EdgeAgent agent = new EdgeAgent("park-1", "gw-1", List.of(constant("gas-01", 1)), uplink, buffer,
                EdgeAgent.Settings.of(NEVER_AGAIN), CLOCK, new SimpleMeterRegistry())) {
            for (int i = 0; i < 20; i++) {
                agent.pollOnce();
            }
            agent.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> agent.acknowledgedBatches() == 21);

            assertThat(uplink.attempts).allSatisfy(b -> assertThat(b.getSerializedSize()).isLessThanOrEqualTo(100));
            assertThat(uplink.attempts).anySatisfy(b -> assertThat(covered(b)).hasSizeGreaterThan(1));
            assertThat(uplink.attempts.stream().flatMap(b -> covered(b).stream()).toList())
                    .isEqualTo(LongStream.rangeClosed(1, 21).boxed().toList());
        } finally {
            buffer.close();
        }
    }

    private static Driver constant(String sensorId, double value) {
        return new Driver() {
            @Override
            public String name() {
                return "constant:" + sensorId;
            }

            @Override
            public List<Reading> poll(long nowMs) {
                return List.of(Reading.newBuilder().setSensorId(sensorId).setTimestampMs(nowMs).setValue(value).build());
            }
        };
    }

    @Test
    void batchesAreNumberedAndKeptUntilAcknowledgedInOrder() {
        RecordingUplink uplink = new RecordingUplink(2);
        try (EdgeAgent agent = new EdgeAgent("park-1", "gw-1", List.of(constant("gas-01", 3.5), constant("gas-02", 1)),
                uplink, NEVER_AGAIN, CLOCK, 100)) {
            agent.pollOnce();
            agent.pollOnce();
            agent.pollOnce();
            agent.start(); // polls once more at once

            await().atMost(Duration.ofSeconds(10)).until(() -> agent.acknowledgedBatches() == 4);

            // The buffered batches go out as one merged publish (a backlog), refused twice and resent, then the rest.
            assertThat(uplink.attempts).hasSizeGreaterThanOrEqualTo(3);
            assertThat(uplink.attempts.subList(0, 3)).extracting(EdgeAgentTest::firstCovered)
                    .as("nothing after batch 1 is acknowledged before batch 1").containsOnly(1L);
            List<Long> accepted = uplink.attempts.subList(2, uplink.attempts.size()).stream()
                    .flatMap(b -> covered(b).stream()).toList();
            assertThat(accepted).containsExactly(1L, 2L, 3L, 4L);
            TelemetryBatch first = uplink.attempts.get(0);
            assertThat(first.getSiteId()).isEqualTo("park-1");
            assertThat(first.getDeviceId()).isEqualTo("gw-1");
            assertThat(first.getReadingsList().subList(0, 2)).extracting(Reading::getSensorId)
                    .containsExactly("gas-01", "gas-02");
            assertThat(first.getReadings(0).getValue()).isEqualTo(3.5);
            assertThat(first.getReadings(0).getTimestampMs()).isEqualTo(CLOCK.millis());
            assertThat(agent.pendingBatches()).isZero();
        }
    }

    @Test
    void whenTheQueueIsFullTheOldestBatchIsDroppedAndCounted() {
        RecordingUplink uplink = new RecordingUplink(0);
        try (EdgeAgent agent = new EdgeAgent("park-1", "gw-1", List.of(constant("gas-01", 1)), uplink, NEVER_AGAIN,
                CLOCK, 2)) {
            agent.pollOnce();
            agent.pollOnce();
            agent.pollOnce();

            assertThat(agent.droppedBatches()).isEqualTo(1);
            assertThat(agent.pendingBatches()).isEqualTo(2);
            agent.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> agent.pendingBatches() == 0);
            assertThat(uplink.attempts.stream().flatMap(b -> covered(b).stream()).toList())
                    // start() polls batch 4 at once, which may push batch 2 out of the two-batch queue before it is sent.
                    .as("the dropped batch 1 is not claimed by a merged publish")
                    .doesNotContain(1L).contains(3L, 4L).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    void eventsJumpAheadOfWaitingTelemetry() {
        RecordingUplink uplink = new RecordingUplink(0);
        java.util.concurrent.atomic.AtomicBoolean fire = new java.util.concurrent.atomic.AtomicBoolean();
        Driver panel = new Driver() {
            @Override
            public String name() {
                return "panel";
            }

            @Override
            public List<Reading> poll(long nowMs) {
                return fire.getAndSet(false)
                        ? List.of(io.tocsin.edge.driver.Events.event("zone-3", io.tocsin.rules.events.FieldEvent.FIRE,
                                nowMs, true))
                        : List.of();
            }
        };
        try (EdgeAgent agent = new EdgeAgent("park-1", "gw-1", List.of(constant("gas-01", 1), panel), uplink,
                NEVER_AGAIN, CLOCK, 100)) {
            agent.pollOnce();
            agent.pollOnce();
            fire.set(true);
            agent.pollOnce(); // one urgent batch (the fire) and one telemetry batch

            agent.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> agent.pendingBatches() == 0);

            TelemetryBatch firstSent = uplink.attempts.get(0);
            assertThat(firstSent.getReadingsList()).extracting(Reading::getSensorId).containsExactly("zone-3");
            assertThat(firstSent.getReadings(0).getUnit()).isEqualTo("event:fire");
            assertThat(uplink.attempts.subList(1, uplink.attempts.size()))
                    .extracting(TelemetryBatch::getSequence).isSorted();
            assertThat(uplink.attempts).extracting(TelemetryBatch::getSequence).doesNotHaveDuplicates();
        }
    }

    @Test
    void aFailingDriverDoesNotSilenceTheOthers() {
        Driver broken = new Driver() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public List<Reading> poll(long nowMs) {
                throw new IllegalStateException("serial port gone");
            }
        };
        RecordingUplink uplink = new RecordingUplink(0);
        try (EdgeAgent agent = new EdgeAgent("park-1", "gw-1", List.of(broken, constant("gas-01", 1)), uplink,
                NEVER_AGAIN, CLOCK, 10)) {
            agent.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> agent.acknowledgedBatches() == 1);
            assertThat(uplink.attempts.get(0).getReadingsList()).extracting(Reading::getSensorId).containsExactly("gas-01");
        }
    }
}
