package io.tocsin.standalone.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tocsin.jobs.gateways.GatewayFaultPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fault injection on the platform as separate OS processes (see {@link Deployment}): Kafka, the store, the Flink
 * jobs and ingest are child JVMs killed with SIGKILL or stopped with SIGTERM under load from a fleet of real edge
 * agents ({@link AuditedFleet}); afterwards {@link FleetAudit} checks, per gateway, that nothing acknowledged was
 * lost and no alarm transition is missing. One deployment serves all scenarios (each with its own sites), which
 * keeps the suite short; each scenario leaves every part running.
 *
 * <p>It takes about 9 minutes on a quiet 2-core machine, more than the default suite can afford, so it runs only
 * when asked: {@code ./mvnw -B verify -pl standalone -am -Dtocsin.faults=true -Dtest=FaultScenariosTest
 * -Dsurefire.failIfNoSpecifiedTests=false} (short outages). Long profile (the figures of docs/reliability.md): add
 * {@code -Dtocsin.faults.devices=20 -Dtocsin.faults.kafkaOutageSeconds=60 -Dtocsin.faults.storeOutageSeconds=300}.
 */
@EnabledIfSystemProperty(named = "tocsin.faults", matches = "true",
        disabledReason = "the fault harness takes ~9 minutes: run it with -Dtocsin.faults=true (see docs/reliability.md)")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultScenariosTest {

    private static final Logger log = LoggerFactory.getLogger(FaultScenariosTest.class);

    private static final int DEVICES = Integer.getInteger("tocsin.faults.devices", 5);
    private static final Duration POLL = Duration.ofMillis(Long.getLong("tocsin.faults.pollMs", 100));
    private static final Duration KAFKA_OUTAGE = Duration.ofSeconds(Long.getLong("tocsin.faults.kafkaOutageSeconds", 12));
    private static final Duration STORE_OUTAGE = Duration.ofSeconds(Long.getLong("tocsin.faults.storeOutageSeconds", 10));
    private static final Duration UPLINK_OUTAGE = Duration.ofSeconds(Long.getLong("tocsin.faults.uplinkOutageSeconds", 8));
    private static final Duration LEAK_PERIOD = Duration.ofSeconds(4);
    private static final Duration LEAK = Duration.ofMillis(1500);
    private static final Duration RECONNECT = Duration.ofSeconds(Long.getLong("tocsin.faults.maxReconnectSeconds", 5));
    private static final Duration SETTLE = Duration.ofSeconds(180);

    /** Logs of every part stay here after the run (data folders are deleted at the end). */
    private static final Path DIR = Path.of(System.getProperty("tocsin.faults.dir",
            Path.of(System.getProperty("java.io.tmpdir"), "tocsin-faults-" + System.currentTimeMillis()).toString()));

    private Deployment deployment;

    @BeforeAll
    void startDeployment() throws Exception {
        long t = System.nanoTime();
        log.info("Fault harness: part logs in {}", DIR);
        deployment = new Deployment(DIR).start();
        log.info("Deployment up in {} ms ({} gateways per scenario, a reading pair every {} ms each)",
                (System.nanoTime() - t) / 1_000_000, DEVICES, POLL.toMillis());
    }

    @AfterAll
    void stopDeployment() {
        if (deployment != null) {
            deployment.close();
            deployment.deleteData();
        }
    }

    /** Readings the fleet produces in {@code d} (two sensors per gateway). */
    private static long readingsIn(Duration d) {
        return DEVICES * 2L * d.toMillis() / POLL.toMillis();
    }

    /** Waits until {@code counter} grew by {@code by}: a fault lasts "this much traffic", not a fixed sleep. */
    private static Duration awaitGrowth(String what, LongSupplier counter, long by, Duration atMost) {
        long start = counter.getAsLong();
        long t = System.nanoTime();
        await(what).atMost(atMost).pollInterval(Duration.ofMillis(500)).until(() -> counter.getAsLong() >= start + by);
        return Duration.ofNanos(System.nanoTime() - t);
    }

    @Test
    @Order(1)
    void ingestKilledUnderLoadLosesNothingAcknowledged() {
        try (AuditedFleet fleet = AuditedFleet.start(deployment.mqttUri(), "kill-ingest", DEVICES, POLL,
                LEAK_PERIOD, LEAK, RECONNECT, false)) {
            awaitGrowth("fleet under load", fleet::acknowledgements, readingsIn(Duration.ofSeconds(3)), SETTLE);
            long kill = System.nanoTime();
            deployment.ingest.kill();
            long ackedAtKill = fleet.acknowledgements();
            awaitGrowth("backlog while ingest is dead", fleet::pendingBatches, DEVICES * 2L, SETTLE);
            assertThat(fleet.acknowledgements()).as("nothing acknowledged by a dead server").isEqualTo(ackedAtKill);
            deployment.ingest.start(Deployment.READY_TIMEOUT);
            Duration outage = Duration.ofNanos(System.nanoTime() - kill);
            long restart = System.nanoTime();
            awaitGrowth("acks again", fleet::acknowledgements, 1, SETTLE);
            Duration recovery = Duration.ofNanos(System.nanoTime() - restart);
            awaitGrowth("load after restart", fleet::acknowledgements, readingsIn(Duration.ofSeconds(3)), SETTLE);

            FleetAudit audit = settleAndAudit(fleet, "kill-ingest");
            log.info("SCENARIO ingest kill -9: kill to serving again {} ms, then to first ack {} ms\n{}", outage.toMillis(),
                    recovery.toMillis(), audit.table());
            assertNothingLost(audit);
        }
    }

    @Test
    @Order(2)
    void kafkaStoppedUnderLoadAcknowledgesNothingMeanwhileAndLosesNothing() {
        try (AuditedFleet fleet = AuditedFleet.start(deployment.mqttUri(), "stop-kafka", DEVICES, POLL,
                LEAK_PERIOD, LEAK, RECONNECT, false)) {
            awaitGrowth("fleet under load", fleet::acknowledgements, readingsIn(Duration.ofSeconds(3)), SETTLE);
            long ingestRssBefore = deployment.ingest.residentKib();
            deployment.kafka.stop();
            long ackedWhileDown = fleet.acknowledgements();
            Duration outage = awaitGrowth("backlog while Kafka is down", fleet::pendingBatches,
                    readingsIn(KAFKA_OUTAGE) / 2, KAFKA_OUTAGE.plus(SETTLE));
            long ingestRssDuring = deployment.ingest.residentKib();
            assertThat(fleet.acknowledgements()).as("no PUBACK while Kafka is down").isEqualTo(ackedWhileDown);
            long restart = System.nanoTime();
            deployment.kafka.start(Deployment.READY_TIMEOUT);
            awaitGrowth("acks again", fleet::acknowledgements, 1, SETTLE);
            Duration recovery = Duration.ofNanos(System.nanoTime() - restart);

            FleetAudit audit = settleAndAudit(fleet, "stop-kafka");
            log.info("SCENARIO Kafka stopped: down {} ms, backlog {} batches, ingest RSS {} -> {} KiB, restart to "
                            + "first ack {} ms\n{}", outage.toMillis(), readingsIn(KAFKA_OUTAGE) / 2,
                    ingestRssBefore, ingestRssDuring, recovery.toMillis(), audit.table());
            assertNothingLost(audit);
        }
    }

    @Test
    @Order(3)
    void streamJobKilledRestoresFromCheckpointWithoutLosingOrRenumberingAlarms() {
        try (AuditedFleet fleet = AuditedFleet.start(deployment.mqttUri(), "kill-jobs", DEVICES, POLL,
                LEAK_PERIOD, LEAK, RECONNECT, false)) {
            LongSupplier alarms = () -> alarmCount(fleet);
            // Two leaks per gateway decided before the crash (an active alarm may be in the checkpoint).
            awaitGrowth("alarms before the crash", alarms, DEVICES * 3L, SETTLE);
            long kill = System.nanoTime();
            deployment.jobs.kill();
            awaitGrowth("telemetry while the jobs are dead", fleet::acknowledgements,
                    readingsIn(Duration.ofSeconds(3)), SETTLE);
            deployment.jobs.start(Deployment.READY_TIMEOUT);
            Duration outage = Duration.ofNanos(System.nanoTime() - kill);
            long restart = System.nanoTime();
            long afterRestart = alarms.getAsLong();
            awaitGrowth("alarms after restore", alarms, 1, SETTLE);
            Duration recovery = Duration.ofNanos(System.nanoTime() - restart);
            awaitGrowth("more alarms", alarms, DEVICES * 2L, SETTLE);

            FleetAudit audit = settleAndAudit(fleet, "kill-jobs");
            log.info("SCENARIO jobs kill -9: kill to jobs running again (restored) {} ms, then to first new alarm {} ms "
                            + "(alarm events before {})\n{}",
                    outage.toMillis(), recovery.toMillis(), afterRestart, audit.table());
            assertNothingLost(audit);
            assertThat(audit.totals().alarmCopies()).as("replayed transitions are published again, same ids")
                    .isGreaterThanOrEqualTo(audit.totals().alarmsDelivered());
        }
    }

    @Test
    @Order(4)
    void storeDownAlarmsKeepFlowingAndNoReadingIsLost() {
        try (AuditedFleet fleet = AuditedFleet.start(deployment.mqttUri(), "store-down", DEVICES, POLL,
                LEAK_PERIOD, LEAK, RECONNECT, false)) {
            awaitGrowth("fleet under load", fleet::acknowledgements, readingsIn(Duration.ofSeconds(3)), SETTLE);
            deployment.store.kill();
            long t = System.nanoTime();
            // Alarms go on while the store is away: at least one activation and return per gateway meanwhile.
            Duration firstAlarms = awaitGrowth("alarms while the store is down", () -> alarmCount(fleet),
                    DEVICES * 2L, SETTLE);
            awaitGrowth("outage", fleet::acknowledgements, readingsIn(STORE_OUTAGE), STORE_OUTAGE.plus(SETTLE));
            assertThat(deployment.store.isAlive()).isFalse();
            Duration outage = Duration.ofNanos(System.nanoTime() - t);
            long restart = System.nanoTime();
            deployment.store.start(Deployment.READY_TIMEOUT);
            String prefix = "store-down";
            await("store catching up").atMost(SETTLE).pollInterval(Duration.ofMillis(500))
                    .until(() -> FleetAudit.storedCount(deployment, prefix) > 0);

            FleetAudit audit = settleAndAudit(fleet, prefix);
            Duration caughtUp = Duration.ofNanos(System.nanoTime() - restart);
            log.info("SCENARIO store kill -9: outage {} ms, {} alarm transitions within {} ms of the outage, "
                    + "restart to all stored {} ms\n{}", outage.toMillis(), DEVICES * 2, firstAlarms.toMillis(),
                    caughtUp.toMillis(), audit.table());
            assertNothingLost(audit);
        }
    }

    @Test
    @Order(5)
    void uplinkCutTheGatewaySoundsItsSirenAndEveryReadingArrivesInOrderAfterwards() {
        try (AuditedFleet fleet = AuditedFleet.start(deployment.mqttUri(), "uplink-cut", DEVICES, POLL,
                LEAK_PERIOD, LEAK, RECONNECT, true)) {
            awaitGrowth("fleet under load", fleet::acknowledgements, readingsIn(Duration.ofSeconds(3)), SETTLE);
            long cutAt = System.currentTimeMillis();
            deployment.ingest.stop(); // from the gateways' side: the platform is unreachable
            long ackedAtCut = fleet.acknowledgements();
            Duration outage = awaitGrowth("backlog while the uplink is cut", fleet::pendingBatches,
                    readingsIn(UPLINK_OUTAGE) / 2, UPLINK_OUTAGE.plus(SETTLE));
            await("every gateway's siren sounded during the outage").atMost(SETTLE)
                    .pollInterval(Duration.ofMillis(200)).until(() -> fleet.gateways().stream()
                            .allMatch(g -> g.siren().switchedOnAtMs() > cutAt));
            assertThat(fleet.acknowledgements()).as("nothing acknowledged while cut off").isEqualTo(ackedAtCut);
            int backlog = fleet.pendingBatches();
            long restart = System.nanoTime();
            deployment.ingest.start(Deployment.READY_TIMEOUT);
            FleetAudit audit = settleAndAudit(fleet, "uplink-cut");
            Duration drained = Duration.ofNanos(System.nanoTime() - restart);
            log.info("SCENARIO uplink cut: outage {} ms, backlog {} batches, sirens on during it {}/{}, restart to "
                            + "drained and stored {} ms\n{}", outage.toMillis(), backlog,
                    fleet.gateways().stream().filter(g -> g.siren().switchedOnAtMs() > cutAt).count(), DEVICES,
                    drained.toMillis(), audit.table());
            assertNothingLost(audit);
            for (AuditedFleet.Gateway g : fleet.gateways()) {
                assertThat(g.uplink().acknowledgedReadings()).as(g.site() + ": the local alarm reached the platform")
                        .anyMatch(k -> k.startsWith(ScriptedGasDriver.LEAKING + "/gas-high/"));
            }
            if (outage.compareTo(GatewayFaultPolicy.DEFAULT.offlineGrace().plusSeconds(10)) > 0) {
                // ingest stopped cleanly, so it reported every gateway offline: each raised its gateway-offline
                // fault after the grace time and returned it on reconnecting.
                assertThat(audit.lines()).as("gateway-offline raised and returned per gateway\n" + audit.table())
                        .allSatisfy(l -> assertThat(l.gatewayFaultTransitions()).isGreaterThanOrEqualTo(2));
            }
        }
    }

    /** Alarm events of this fleet's sites on the alarms topic (copies included). */
    private long alarmCount(AuditedFleet fleet) {
        String prefix = fleet.gateways().get(0).site().replaceAll("-\\d+$", "-");
        return TopicSnapshot.read(deployment.bootstrap(), "alarms").stream()
                .filter(r -> r.key() != null && r.key().startsWith(prefix)).count();
    }

    /**
     * Stops the fleet's readings, waits until every gateway buffer drained, until the store holds every
     * acknowledged reading (or the settle time passed: then the audit shows what is missing) and until the alarm
     * job has decided the last readings, then audits.
     */
    private FleetAudit settleAndAudit(AuditedFleet fleet, String prefix) {
        long t0 = System.nanoTime();
        fleet.stopAndDrain(SETTLE);
        long t1 = System.nanoTime();
        long acked = fleet.gateways().stream().mapToLong(g -> g.driver().produced().size()).sum();
        try {
            await("store holds every acknowledged reading").atMost(SETTLE).pollInterval(Duration.ofSeconds(1))
                    .until(() -> FleetAudit.storedCount(deployment, prefix) >= acked);
            long t2 = System.nanoTime();
            await("alarm transitions delivered").atMost(SETTLE).pollInterval(Duration.ofSeconds(1))
                    .until(() -> FleetAudit.alarmsMissing(fleet, deployment) == 0);
            log.info("Settled: buffers drained in {} ms, store complete {} ms later, alarms complete {} ms later",
                    (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (System.nanoTime() - t2) / 1_000_000);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            log.warn("Not settled: {}", e.getMessage()); // the audit below names what is missing
        }
        return FleetAudit.of(fleet, deployment, true);
    }

    private static void assertNothingLost(FleetAudit audit) {
        FleetAudit.Totals t = audit.totals();
        assertThat(t.sent()).as("the fleet produced readings").isPositive();
        assertThat(t.notAcked()).as("every reading acknowledged in the end\n" + audit.table()).isZero();
        assertThat(t.lost()).as("acknowledged readings missing from the store\n" + audit.table()).isZero();
        assertThat(t.stored()).as("stored\n" + audit.table()).isEqualTo(t.acked());
        assertThat(t.sequenceGaps()).as("batch sequence gaps in the telemetry topic\n" + audit.table()).isZero();
        assertThat(t.outOfOrder()).as("per-sensor order in the telemetry topic\n" + audit.table()).isZero();
        assertThat(t.alarmsMissing()).as("alarm transitions missing\n" + audit.table()).isZero();
        assertThat(t.alarmsUnexpected()).as("alarm transitions that should not exist (new ids)\n" + audit.table())
                .isZero();
        assertThat(t.alarmsExpected()).as("the script raised alarms").isPositive();
    }
}
