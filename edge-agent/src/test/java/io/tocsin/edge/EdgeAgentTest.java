package io.tocsin.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import org.junit.jupiter.api.Test;

class EdgeAgentTest {

    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochMilli(1_700_000_000_000L), ZoneOffset.UTC);
    private static final Duration NEVER_AGAIN = Duration.ofHours(1);

    /** Records every attempt; refuses the first {@code refusals} of them, as a platform without Kafka does. */
    private static final class RecordingUplink implements Uplink {
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

            assertThat(uplink.attempts).extracting(TelemetryBatch::getSequence).containsExactly(1L, 1L, 1L, 2L, 3L, 4L);
            assertThat(uplink.attempts.get(0)).isEqualTo(uplink.attempts.get(2));
            TelemetryBatch first = uplink.attempts.get(0);
            assertThat(first.getSiteId()).isEqualTo("park-1");
            assertThat(first.getDeviceId()).isEqualTo("gw-1");
            assertThat(first.getReadingsList()).extracting(Reading::getSensorId).containsExactly("gas-01", "gas-02");
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
            assertThat(uplink.attempts).extracting(TelemetryBatch::getSequence).startsWith(2L).isSorted()
                    .doesNotHaveDuplicates();
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
                        ? List.of(io.tocsin.edge.driver.Events.event("zone-3", io.tocsin.edge.driver.EventKind.FIRE,
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
