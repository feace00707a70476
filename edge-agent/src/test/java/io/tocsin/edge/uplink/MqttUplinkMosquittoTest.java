package io.tocsin.edge.uplink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.edge.EdgeAgent;
import io.tocsin.edge.buffer.DiskBuffer;
import io.tocsin.edge.driver.Driver;
import io.tocsin.edge.testing.MosquittoBroker;
import io.tocsin.edge.testing.TestCertificates;
import io.tocsin.edge.testing.TestSubscriber;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The MQTT uplinks (5 and 3.1.1) against a real Mosquitto broker started by the test: TLS with a client
 * certificate, username/password, the last will of a killed gateway, batching.
 */
class MqttUplinkMosquittoTest {

    private static final String USER = "park-1.gw-1";
    private static final String PASSWORD = "s3cret-of-gw-1";
    private static final String STATUS = MqttUplink.statusTopic("park-1", "gw-1");
    private static final String TELEMETRY = MqttTopics.telemetry("park-1", "gw-1");

    @TempDir
    Path dir;

    private static TelemetryBatch batch(long sequence) {
        return TelemetryBatch.newBuilder().setSiteId("park-1").setDeviceId("gw-1").setSequence(sequence)
                .addReadings(Reading.newBuilder().setSensorId("gas-01").setTimestampMs(1_700_000_000_000L)
                        .setValue(12.5).setQuality(Quality.QUALITY_GOOD).setUnit("%LEL")).build();
    }

    @ParameterizedTest
    @EnumSource(MqttUplink.Protocol.class)
    void overTlsWithAClientCertificateAndAPasswordBatchesArriveAndTheGatewayIsOnline(MqttUplink.Protocol protocol)
            throws Exception {
        TestCertificates.Files pki = TestCertificates.create(dir, USER);
        try (MosquittoBroker broker = MosquittoBroker.start(dir.resolve("broker"),
                MosquittoBroker.Settings.plain().withTls(pki, true).withPassword(USER, PASSWORD));
             TestSubscriber platform = new TestSubscriber(broker.sslUri(), USER, PASSWORD,
                     TlsContexts.socketFactory(pki.caPem(), Optional.of(pki.clientP12()),
                             Optional.of(TestCertificates.CLIENT_PASSWORD)))) {
            platform.subscribe("tocsin/v1/#");
            MqttUplink.Options options = MqttUplink.Options.defaults()
                    .withCredentials(USER, PASSWORD.toCharArray())
                    .withTls(pki.caPem(), Optional.of(pki.clientP12()), Optional.of(TestCertificates.CLIENT_PASSWORD))
                    .withStatusTopic(STATUS);
            try (MqttChannel uplink = MqttUplink.connect(protocol, broker.sslUri(), "park-1.gw-1",
                    Duration.ofSeconds(5), options)) {
                uplink.send(batch(1));
                uplink.send(batch(2));

                await().atMost(Duration.ofSeconds(10)).until(() -> platform.on(TELEMETRY).size() == 2);
                assertThat(TelemetryBatch.parseFrom(platform.on(TELEMETRY).get(0).payload())).isEqualTo(batch(1));
                assertThat(TelemetryBatch.parseFrom(platform.on(TELEMETRY).get(1).payload())).isEqualTo(batch(2));
                await().atMost(Duration.ofSeconds(5)).until(() -> platform.last(STATUS).isPresent());
                assertThat(platform.last(STATUS).orElseThrow().text()).isEqualTo("online");
            }
        }
    }

    @Test
    void withoutAClientCertificateTheBrokerRefusesTheGateway() throws Exception {
        TestCertificates.Files pki = TestCertificates.create(dir, USER);
        try (MosquittoBroker broker = MosquittoBroker.start(dir.resolve("broker"),
                MosquittoBroker.Settings.plain().withTls(pki, true).withPassword(USER, PASSWORD))) {
            MqttUplink.Options noClientCert = MqttUplink.Options.defaults()
                    .withCredentials(USER, PASSWORD.toCharArray())
                    .withTls(pki.caPem(), Optional.empty(), Optional.empty());
            assertThatThrownBy(() -> MqttUplink.connect(broker.sslUri(), "park-1.gw-1", Duration.ofSeconds(5),
                    noClientCert)).isInstanceOf(UplinkException.class);
        }
    }

    @Test
    void aBrokerCertifiedByAnotherAuthorityIsNotTrusted() throws Exception {
        TestCertificates.Files brokerPki = TestCertificates.create(java.nio.file.Files.createDirectories(
                dir.resolve("pki-a")), USER);
        TestCertificates.Files otherPki = TestCertificates.create(java.nio.file.Files.createDirectories(
                dir.resolve("pki-b")), USER);
        try (MosquittoBroker broker = MosquittoBroker.start(dir.resolve("broker"),
                MosquittoBroker.Settings.plain().withTls(brokerPki, false))) {
            MqttUplink.Options trustsOtherCa = MqttUplink.Options.defaults()
                    .withTls(otherPki.caPem(), Optional.empty(), Optional.empty());
            assertThatThrownBy(() -> MqttUplink.connect(broker.sslUri(), "park-1.gw-1", Duration.ofSeconds(5),
                    trustsOtherCa)).isInstanceOf(UplinkException.class);
            MqttUplink.Options trustsBrokerCa = MqttUplink.Options.defaults()
                    .withTls(brokerPki.caPem(), Optional.empty(), Optional.empty());
            try (MqttUplink uplink = MqttUplink.connect(broker.sslUri(), "park-1.gw-1", Duration.ofSeconds(5),
                    trustsBrokerCa)) {
                assertThat(uplink.isConnected()).isTrue();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(MqttUplink.Protocol.class)
    void aWrongPasswordIsRefused(MqttUplink.Protocol protocol) throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start(dir.resolve("broker"),
                MosquittoBroker.Settings.plain().withPassword(USER, PASSWORD))) {
            MqttUplink.Options wrong = MqttUplink.Options.defaults().withCredentials(USER, "guess".toCharArray());
            assertThatThrownBy(() -> MqttUplink.connect(protocol, broker.tcpUri(), "park-1.gw-1",
                    Duration.ofSeconds(5), wrong)).isInstanceOf(UplinkException.class);
            MqttUplink.Options anonymous = MqttUplink.Options.defaults();
            assertThatThrownBy(() -> MqttUplink.connect(protocol, broker.tcpUri(), "park-1.gw-1",
                    Duration.ofSeconds(5), anonymous)).isInstanceOf(UplinkException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(MqttUplink.Protocol.class)
    void whenTheGatewayIsKilledItsLastWillMarksItOffline(MqttUplink.Protocol protocol) throws Exception {
        try (MosquittoBroker broker = MosquittoBroker.start(dir.resolve("broker"),
                MosquittoBroker.Settings.plain().withPassword(USER, PASSWORD));
             TestSubscriber platform = new TestSubscriber(broker.tcpUri(), USER, PASSWORD, null)) {
            platform.subscribe(STATUS);
            Process gateway = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx64m", "-cp", System.getProperty("java.class.path"), UplinkProcess.class.getName(),
                    protocol.name(), broker.tcpUri(), USER, PASSWORD, "park-1", "gw-1")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("gateway.log").toFile()).start();
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> platform.last(STATUS)
                        .map(m -> m.text().equals("online")).orElse(false));

                gateway.destroyForcibly(); // SIGKILL: no DISCONNECT, as in a power cut
                gateway.waitFor();

                await().atMost(Duration.ofSeconds(10)).until(() -> platform.last(STATUS)
                        .map(m -> m.text().equals("offline")).orElse(false));
            } finally {
                gateway.destroyForcibly();
            }
            // Retained: a console that subscribes later still learns the gateway is offline.
            try (TestSubscriber later = new TestSubscriber(broker.tcpUri(), USER, PASSWORD, null)) {
                later.subscribe(STATUS);
                await().atMost(Duration.ofSeconds(5)).until(() -> later.last(STATUS).isPresent());
                assertThat(later.last(STATUS).orElseThrow().text()).isEqualTo("offline");
                assertThat(later.last(STATUS).orElseThrow().retained()).isTrue();
            }
        }
    }

    @Test
    void theAgentSealsABatchAtTheConfiguredNumberOfReadings() throws Exception {
        AtomicLong ticks = new AtomicLong();
        Driver twoSensors = new Driver() {
            @Override
            public String name() {
                return "two-sensors";
            }

            @Override
            public List<Reading> poll(long nowMs) {
                long n = ticks.incrementAndGet();
                return List.of(Reading.newBuilder().setSensorId("gas-01").setTimestampMs(nowMs).setValue(n).build(),
                        Reading.newBuilder().setSensorId("gas-02").setTimestampMs(nowMs).setValue(n).build());
            }
        };
        try (MosquittoBroker broker = MosquittoBroker.start(dir.resolve("broker"), MosquittoBroker.Settings.plain());
             TestSubscriber platform = new TestSubscriber(broker.tcpUri(), null, null, null);
             DiskBuffer buffer = DiskBuffer.open(dir.resolve("buffer.db"), DiskBuffer.Limits.ofBytes(16L << 20))) {
            platform.subscribe(TELEMETRY);
            MqttUplink uplink = MqttUplink.connect(broker.tcpUri(), "park-1.gw-1", Duration.ofSeconds(5));
            try (EdgeAgent agent = new EdgeAgent("park-1", "gw-1", List.of(twoSensors), uplink, buffer,
                    EdgeAgent.Settings.of(Duration.ofMillis(20)).withBatching(6, Duration.ofMinutes(1)),
                    Clock.systemUTC(), new SimpleMeterRegistry())) {
                agent.start();
                await().atMost(Duration.ofSeconds(20)).until(() -> platform.on(TELEMETRY).size() >= 5);
            }
            List<TelemetryBatch> batches = platform.on(TELEMETRY).stream().map(m -> {
                try {
                    return TelemetryBatch.parseFrom(m.payload());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }).toList();
            // The last one may be the partial batch sealed at close.
            assertThat(batches.subList(0, 5)).allSatisfy(b -> assertThat(b.getReadingsCount()).isEqualTo(6));
            assertThat(batches).extracting(TelemetryBatch::getSequence).startsWith(1L, 2L, 3L, 4L, 5L);
        }
    }
}
