package io.tocsin.standalone.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.IngestConfig;
import io.tocsin.ingest.IngestServer;
import io.tocsin.ingest.alarms.AlarmFanout;
import io.tocsin.ingest.auth.CredentialRegistry;
import io.tocsin.ingest.auth.Identity;
import io.tocsin.ingest.auth.PasswordHash;
import io.tocsin.ingest.coap.CoapSettings;
import io.tocsin.ingest.status.KafkaDeviceStatusWriter;
import io.tocsin.ingest.telemetry.KafkaTelemetryWriter;
import io.tocsin.jobs.alarms.AlarmJob;
import io.tocsin.jobs.gateways.GatewayFaultPolicy;
import io.tocsin.jobs.kafka.KafkaEndpoints;
import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.AlarmCommandRequest;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmKind;
import io.tocsin.proto.v1.AlarmState;
import io.tocsin.proto.v1.CommandType;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.Severity;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.standalone.demo.MessageArrivedCallback;
import io.tocsin.standalone.flink.EmbeddedFlinkCluster;
import io.tocsin.standalone.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import org.eclipse.californium.core.CoapClient;
import org.eclipse.californium.core.CoapResponse;
import org.eclipse.californium.core.coap.CoAP.ResponseCode;
import org.eclipse.californium.core.coap.MediaTypeRegistry;
import org.eclipse.californium.core.network.CoapEndpoint;
import org.eclipse.californium.elements.config.Configuration;
import org.eclipse.californium.scandium.DTLSConnector;
import org.eclipse.californium.scandium.config.DtlsConfig;
import org.eclipse.californium.scandium.config.DtlsConnectorConfig;
import org.eclipse.californium.scandium.dtls.pskstore.AdvancedSinglePskStore;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway's connection dies and its fire station hears of it, through the real parts: a gateway and a station
 * authenticated by the ingest server's credential registry (real Paho MQTT 5 clients), the ingest server writing
 * status events to an embedded KRaft Kafka, the alarm job on a Flink MiniCluster with the production Kafka sources
 * and sinks, and the alarm fan-out publishing on the station's own topic. The gateway's socket is reset (no
 * DISCONNECT: a cut cable); after the grace the station receives the gateway fault, acknowledges it on the
 * commands topic, and the fault returns to normal when the gateway reconnects.
 */
class GatewayOfflineEndToEndTest {

    private static final String SITE = "chem-park-1";
    private static final String GATEWAY = "gw-01";
    private static final String STATION = "station-07";
    private static final String PASSWORD = "e2e secret";
    private static final String FAULT_ID = SITE + "/" + GATEWAY + "/gateway-offline/1";

    @TempDir
    Path dataDir;

    private static final PasswordHash HASH = PasswordHash.create(PASSWORD.toCharArray(), PasswordHash.MIN_ITERATIONS);

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES) // a safety net: every wait inside is bounded
    void aGatewayWhoseConnectionDiesRaisesAFaultAtItsStationThatIsAcknowledgedAndReturns() throws Exception {
        onPlatform(null, (ingest, topics) -> run("tcp://127.0.0.1:" + ingest.port(), topics));
    }

    /**
     * The same for a gateway that reports over CoAP (DTLS-PSK, Californium): it has no connection to lose, so it
     * falls silent; after the ingest server's offline silence and the job's grace the station gets the fault, and
     * it returns when the gateway reports again. The alarm job is the one the MQTT gateways have, unchanged.
     */
    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void aCoapGatewayThatFallsSilentRaisesAFaultAtItsStationThatReturnsWhenItReportsAgain() throws Exception {
        onPlatform(CoapSettings.defaults().withBindHost("127.0.0.1").withPorts(CoapSettings.DISABLED, 0)
                .withOfflineAfter(Duration.ofSeconds(1)), this::runCoap);
    }

    private interface Scenario {
        void run(IngestServer ingest, AlarmTopics topics) throws Exception;
    }

    private void onPlatform(CoapSettings coap, Scenario scenario) throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        CredentialRegistry credentials = CredentialRegistry.of(Map.of(
                GATEWAY, new CredentialRegistry.Entry(Identity.device(GATEWAY, SITE, GATEWAY), HASH),
                STATION, new CredentialRegistry.Entry(Identity.station(STATION, Set.of(SITE)), HASH)));

        try (EmbeddedKafkaBroker kafka = new EmbeddedKafkaBroker(dataDir.resolve("kafka"), 0, 0).start()) {
            kafka.createTopics(Map.of("telemetry", 1, "commands", 1, "registry", 1, "alarms", 1,
                    "command-results", 1, "status", 1));
            String bootstrap = kafka.bootstrapServers();
            try (EmbeddedFlinkCluster flink = EmbeddedFlinkCluster.start(1);
                 AlarmTopics topics = new AlarmTopics(bootstrap, "alarms", null);
                 KafkaTelemetryWriter telemetry = new KafkaTelemetryWriter(bootstrap, "telemetry",
                         Duration.ofSeconds(10), Map.of());
                 KafkaDeviceStatusWriter status = new KafkaDeviceStatusWriter(bootstrap, "status", meters)) {
                flink.submit(AlarmJob.JOB_NAME, AlarmJob.recommendedConfiguration(Duration.ofSeconds(1)),
                        env -> new AlarmJob(
                                KafkaEndpoints.telemetrySource(bootstrap, "telemetry", "gateway-e2e"),
                                KafkaEndpoints.commandSource(bootstrap, "commands", "gateway-e2e"),
                                KafkaEndpoints.registrySource(bootstrap, "registry", "gateway-e2e"),
                                KafkaEndpoints.statusSource(bootstrap, "status", "gateway-e2e"),
                                KafkaEndpoints.alarmSink(bootstrap, "alarms"),
                                KafkaEndpoints.commandResultSink(bootstrap, "command-results"),
                                AlarmJob.Options.of(ScriptedIncidentEndToEndTest.RULES)
                                        .withRegistry(ScriptedIncidentEndToEndTest.SITES)
                                        .withGatewayFaults(new GatewayFaultPolicy(
                                                io.tocsin.rules.Severity.YELLOW, Duration.ofSeconds(2))))
                                .buildPipeline(env));
                IngestServer.Builder builder = IngestServer.builder(
                                IngestConfig.defaults().withBindHost("127.0.0.1").withPort(0), telemetry, meters)
                        .credentials(credentials)
                        .deviceStatus(status);
                if (coap != null) {
                    builder.coap(coap);
                }
                IngestServer ingest = builder.build().start();
                try (AlarmFanout fanout = new AlarmFanout(bootstrap, "alarms", "gateway-e2e-fanout",
                        ingest.subscriptions(), ingest.currentMessages(), meters).start()) {
                    scenario.run(ingest, topics);
                } finally {
                    ingest.close();
                }
            }
        }
    }

    private void run(String uri, AlarmTopics topics) throws Exception {
        BlockingQueue<AlarmEvent> atStation = new LinkedBlockingQueue<>();
        List<String> stationTopics = new CopyOnWriteArrayList<>();
        MqttAsyncClient station = connect(uri, "console-07", STATION, SocketFactory.getDefault(), (topic, message) -> {
            stationTopics.add(topic);
            atStation.add(parse(message));
        });
        RecordingSocketFactory gatewaySockets = new RecordingSocketFactory();
        MqttAsyncClient gateway = connect(uri, GATEWAY, GATEWAY, gatewaySockets, (topic, message) -> { });
        try {
            station.subscribe(MqttTopics.stationAlarms(STATION), 1).waitForCompletion(10_000);

            // The cable is cut: the socket is reset, no DISCONNECT.
            gatewaySockets.resetAll();

            AlarmEvent raised = next(atStation);
            assertThat(raised.getAlarmId()).isEqualTo(FAULT_ID);
            assertThat(raised.getState()).isEqualTo(AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
            assertThat(raised.getKind()).isEqualTo(AlarmKind.ALARM_KIND_FAULT);
            assertThat(raised.getSeverity()).isEqualTo(Severity.SEVERITY_YELLOW);
            assertThat(raised.getRuleId()).isEqualTo("gateway-offline");
            assertThat(raised.getDeviceId()).isEqualTo(GATEWAY);
            assertThat(raised.getStationIdsList()).containsExactly(STATION);
            assertThat(stationTopics).containsOnly(MqttTopics.stationAlarms(STATION));

            topics.command("commands", AlarmCommandRequest.newBuilder().setCommandId("ack-gw")
                    .setType(CommandType.COMMAND_TYPE_ACKNOWLEDGE).setSiteId(SITE).setSensorId(GATEWAY)
                    .setAlarmId(FAULT_ID).setActor("station-07/wang").setComment("calling the site")
                    .setIssuedAtMs(System.currentTimeMillis()).build());
            AlarmEvent acknowledged = next(atStation);
            assertThat(acknowledged.getAlarmId()).isEqualTo(FAULT_ID);
            assertThat(acknowledged.getState()).isEqualTo(AlarmState.ALARM_STATE_ACTIVE_ACKNOWLEDGED);

            // The gateway is back.
            MqttAsyncClient again = connect(uri, GATEWAY, GATEWAY, SocketFactory.getDefault(), (topic, m) -> { });
            try {
                AlarmEvent returned = next(atStation);
                assertThat(returned.getAlarmId()).isEqualTo(FAULT_ID);
                assertThat(returned.getState()).isEqualTo(AlarmState.ALARM_STATE_NORMAL);
            } finally {
                again.disconnect().waitForCompletion(5_000);
                again.close();
            }
        } finally {
            station.disconnect().waitForCompletion(5_000);
            station.close();
            gateway.close(true);
        }
    }

    private void runCoap(IngestServer ingest, AlarmTopics topics) throws Exception {
        BlockingQueue<AlarmEvent> atStation = new LinkedBlockingQueue<>();
        MqttAsyncClient station = connect("tcp://127.0.0.1:" + ingest.port(), "console-07", STATION,
                SocketFactory.getDefault(), (topic, message) -> atStation.add(parse(message)));
        Configuration config = Configuration.createStandardWithoutFile();
        CoapClient gateway = new CoapClient("coaps://127.0.0.1:" + ingest.coap().orElseThrow().dtlsPort()
                + "/telemetry/" + SITE + "/" + GATEWAY).setTimeout(15_000L);
        gateway.setEndpoint(new CoapEndpoint.Builder().setConfiguration(config).setConnector(new DTLSConnector(
                DtlsConnectorConfig.builder(config).set(DtlsConfig.DTLS_ROLE, DtlsConfig.DtlsRole.CLIENT_ONLY)
                        .setAdvancedPskStore(new AdvancedSinglePskStore(GATEWAY, HASH.dtlsKey())).build())).build());
        try {
            station.subscribe(MqttTopics.stationAlarms(STATION), 1).waitForCompletion(10_000);
            assertThat(post(gateway, 1)).isEqualTo(ResponseCode.CHANGED);

            // The gateway falls silent (power cut, dead modem): no more POSTs.
            AlarmEvent raised = next(atStation);
            assertThat(raised.getAlarmId()).isEqualTo(FAULT_ID);
            assertThat(raised.getState()).isEqualTo(AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED);
            assertThat(raised.getKind()).isEqualTo(AlarmKind.ALARM_KIND_FAULT);
            assertThat(raised.getRuleId()).isEqualTo("gateway-offline");
            assertThat(raised.getStationIdsList()).containsExactly(STATION);

            // It reports again.
            assertThat(post(gateway, 2)).isEqualTo(ResponseCode.CHANGED);
            AlarmEvent returned = next(atStation);
            assertThat(returned.getAlarmId()).isEqualTo(FAULT_ID);
            assertThat(returned.getState()).isEqualTo(AlarmState.ALARM_STATE_RETURNED_UNACKNOWLEDGED);
        } finally {
            gateway.shutdown();
            station.disconnect().waitForCompletion(5_000);
            station.close();
        }
    }

    private static ResponseCode post(CoapClient gateway, long sequence) throws Exception {
        TelemetryBatch batch = TelemetryBatch.newBuilder().setSiteId(SITE).setDeviceId(GATEWAY).setSequence(sequence)
                .addReadings(Reading.newBuilder().setSensorId("gas-01").setTimestampMs(System.currentTimeMillis())
                        .setValue(3.0))
                .build();
        CoapResponse response = gateway.post(batch.toByteArray(), MediaTypeRegistry.APPLICATION_OCTET_STREAM);
        assertThat(response).as("a CoAP answer").isNotNull();
        return response.getCode();
    }

    private static AlarmEvent next(BlockingQueue<AlarmEvent> queue) throws InterruptedException {
        // Generous: the Flink job starts its Kafka sources while the test runs.
        AlarmEvent event = queue.poll(90, TimeUnit.SECONDS);
        assertThat(event).as("an alarm event at the station").isNotNull();
        return event;
    }

    private static AlarmEvent parse(MqttMessage message) {
        try {
            return AlarmEvent.parseFrom(message.getPayload());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static MqttAsyncClient connect(String uri, String clientId, String user, SocketFactory sockets,
            java.util.function.BiConsumer<String, MqttMessage> onMessage) throws Exception {
        MqttAsyncClient client = new MqttAsyncClient(uri, clientId, new MemoryPersistence());
        client.setCallback(new MessageArrivedCallback(onMessage));
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setAutomaticReconnect(false);
        options.setUserName(user);
        options.setPassword(PASSWORD.getBytes(StandardCharsets.UTF_8));
        options.setSocketFactory(sockets);
        client.connect(options).waitForCompletion(60_000); // the first login of a cold JVM on a loaded machine is slow
        return client;
    }

    /** Keeps the sockets Paho opens, so the test can reset them as a cut cable would. */
    private static final class RecordingSocketFactory extends SocketFactory {

        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        private Socket keep(Socket socket) {
            sockets.add(socket);
            return socket;
        }

        /** Closes every socket with SO_LINGER 0: the peer gets a TCP reset, never an MQTT DISCONNECT. */
        void resetAll() throws IOException {
            for (Socket socket : sockets) {
                socket.setSoLinger(true, 0);
                socket.close();
            }
        }

        @Override
        public Socket createSocket() {
            return keep(new Socket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return keep(new Socket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return keep(new Socket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return keep(new Socket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return keep(new Socket(address, port, localAddress, localPort));
        }
    }
}
