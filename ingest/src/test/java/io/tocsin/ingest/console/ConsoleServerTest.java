package io.tocsin.ingest.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.ingest.auth.CredentialRegistry;
import io.tocsin.ingest.auth.Identity;
import io.tocsin.ingest.auth.PasswordHash;
import io.tocsin.ingest.support.StablePorts;
import io.tocsin.proto.v1.AlarmCommandRequest;
import io.tocsin.proto.v1.AlarmCommandResult;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;
import io.tocsin.proto.v1.CommandType;
import io.tocsin.proto.v1.ConnectionState;
import io.tocsin.proto.v1.DeviceStatus;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.Severity;
import io.tocsin.proto.v1.TelemetryBatch;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console server over a real socket, driven by the JDK's HTTP and WebSocket clients as a page would, with
 * alarm events handed in directly (the Kafka feed is exercised end to end in standalone).
 */
class ConsoleServerTest {

    private static final String PASSWORD = "correct horse battery staple";
    private static CredentialRegistry registry;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final BlockingQueue<AlarmCommandRequest> commands = new LinkedBlockingQueue<>();
    private ConsoleServer server;

    @BeforeAll
    static void credentials() {
        PasswordHash hash = PasswordHash.create(PASSWORD.toCharArray(), PasswordHash.MIN_ITERATIONS);
        registry = CredentialRegistry.of(Map.of(
                "station-07", new CredentialRegistry.Entry(Identity.station("station-07", Set.of("park-1")), hash),
                "station-09", new CredentialRegistry.Entry(Identity.station("station-09", Set.of("works-2")), hash),
                "control-room", new CredentialRegistry.Entry(Identity.station("control-room", Set.of("park-1")),
                        hash),
                "gw-1", new CredentialRegistry.Entry(Identity.device("gw-1", "park-1", "gw-1"), hash)));
    }

    @BeforeEach
    void start() {
        AlarmCommandSender sender = command -> {
            commands.add(command);
            return CompletableFuture.completedFuture(null);
        };
        // A port outside the ephemeral range: aReconnectingPage... stops the server and binds the port again.
        server = ConsoleServer.builder(ConsoleSettings.defaults().withBind("127.0.0.1", StablePorts.free())
                                .withSiteNames(Map.of("park-1", "Chemical park 1")), sender, meters)
                .credentials(registry).build().start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aWrongPasswordAGatewayAndAPageWithoutLoginAreRefused() throws Exception {
        try (ConsolePage page = new ConsolePage(server.url())) {
            assertThat(page.login("station-07", "wrong")).isEqualTo(401);
            assertThat(page.login("nobody", PASSWORD)).isEqualTo(401);
            assertThat(page.login("gw-1", PASSWORD)).as("a gateway's credentials").isEqualTo(401);
            assertThat(page.get("/api/session").statusCode()).isEqualTo(401);
            assertThatThrownBy(() -> page.connect().join()).as("WebSocket without a session")
                    .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
                            refused -> assertThat(refused.getResponse().statusCode()).isEqualTo(401));
        }
        assertThat(meters.counter(ConsoleServer.LOGINS_REFUSED).count()).isEqualTo(3);
    }

    @Test
    void servesThePagesFromTheJar() throws Exception {
        try (ConsolePage page = new ConsolePage(server.url())) {
            var login = page.get("/login.html");
            assertThat(login.statusCode()).isEqualTo(200);
            assertThat(login.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(login.body()).contains("id=\"login-form\"");
            assertThat(page.get("/alarms.js").body()).contains("acknowledge");
            assertThat(page.get("/../pom.xml").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aStationSeesTheAlarmsOfItsSitesLiveAndNotThoseOfOthers() throws Exception {
        server.alarm(raised("park-1", "gas-00", 1_000, Severity.SEVERITY_YELLOW));
        server.alarmHistoryLoaded();
        try (ConsolePage station7 = loggedIn("station-07"); ConsolePage station9 = loggedIn("station-09")) {
            JsonNode hello = station7.next("hello");
            assertThat(hello.path("station").asText()).isEqualTo("station-07");
            JsonNode list = station7.next("alarms");
            assertThat(list.path("historyLoaded").asBoolean()).isTrue();
            assertThat(list.path("alarms")).extracting(a -> a.path("alarmId").asText())
                    .containsExactly("park-1/gas-00/gas-high-1/1");
            assertThat(station9.next("alarms").path("alarms")).isEmpty();

            server.alarm(raised("park-1", "gas-01", 2_000, Severity.SEVERITY_RED));
            server.alarm(raised("works-2", "gas-05", 3_000, Severity.SEVERITY_ORANGE));

            JsonNode pushed = station7.next("alarm").path("alarm");
            assertThat(pushed.path("alarmId").asText()).isEqualTo("park-1/gas-01/gas-high-1/1");
            assertThat(pushed.path("severity").asText()).isEqualTo("RED");
            assertThat(pushed.path("state").asText()).isEqualTo("ACTIVE_UNACKNOWLEDGED");
            assertThat(pushed.path("siteName").asText()).isEqualTo("Chemical park 1");
            assertThat(pushed.path("value").asDouble()).isEqualTo(60.0);
            assertThat(pushed.path("threshold").asDouble()).isEqualTo(50.0);
            assertThat(station9.next("alarm").path("alarm").path("alarmId").asText())
                    .as("station 9's first push is its own site's alarm, not park 1's")
                    .isEqualTo("works-2/gas-05/gas-high-1/1");
        }
    }

    @Test
    void acknowledgeSendsACommandAndTheStateChangesOnlyWhenTheEngineAnswers() throws Exception {
        AlarmEvent alarm = raised("park-1", "gas-01", 2_000, Severity.SEVERITY_RED);
        server.alarm(alarm);
        try (ConsolePage page = loggedInWithTheList("station-07")) {
            page.send(command("acknowledge", alarm));

            AlarmCommandRequest command = commands.poll(10, TimeUnit.SECONDS);
            assertThat(command).isNotNull();
            assertThat(command.getType()).isEqualTo(CommandType.COMMAND_TYPE_ACKNOWLEDGE);
            assertThat(command.getActor()).isEqualTo("station-07");
            assertThat(command.getAlarmId()).isEqualTo(alarm.getAlarmId());
            assertThat(command.getSiteId()).isEqualTo("park-1");
            assertThat(command.getSensorId()).isEqualTo("gas-01");
            assertThat(command.getRuleId()).isEqualTo("gas-high-1");
            JsonNode sent = page.next("command");
            assertThat(sent.path("sent").asBoolean()).isTrue();
            assertThat(sent.path("commandId").asText()).isEqualTo(command.getCommandId());

            server.alarm(alarm.toBuilder().setState(AlarmState.ALARM_STATE_ACTIVE_ACKNOWLEDGED)
                    .setActor("station-07").build());
            JsonNode acknowledged = page.next("alarm").path("alarm");
            assertThat(acknowledged.path("state").asText()).isEqualTo("ACTIVE_ACKNOWLEDGED");
            assertThat(acknowledged.path("actor").asText()).isEqualTo("station-07");

            server.alarm(alarm.toBuilder().setState(AlarmState.ALARM_STATE_NORMAL).setActor("station-07").build());
            assertThat(page.next("alarm-removed").path("alarmId").asText()).isEqualTo(alarm.getAlarmId());
        }
        assertThat(meters.counter(ConsoleServer.COMMANDS_SENT).count()).isEqualTo(1);
    }

    @Test
    void aRefusalFromTheEngineReachesTheStationThatAsked() throws Exception {
        AlarmEvent alarm = raised("park-1", "gas-01", 2_000, Severity.SEVERITY_RED);
        server.alarm(alarm);
        try (ConsolePage page = loggedInWithTheList("station-07")) {
            page.send(command("shelve", alarm).put("minutes", 30).put("comment", "detector being calibrated"));
            AlarmCommandRequest command = commands.poll(10, TimeUnit.SECONDS);
            assertThat(command.getType()).isEqualTo(CommandType.COMMAND_TYPE_SHELVE);
            assertThat(command.getComment()).isEqualTo("detector being calibrated");
            assertThat(command.getShelveUntilMs() - command.getIssuedAtMs()).isEqualTo(30 * 60_000L);

            server.commandResult(AlarmCommandResult.newBuilder().setCommandId(command.getCommandId())
                    .setAccepted(false).setRefusal("red alarms may not be shelved").setType(command.getType())
                    .setActor("station-07").build());
            JsonNode result = page.next("command-result");
            assertThat(result.path("accepted").asBoolean()).isFalse();
            assertThat(result.path("refusal").asText()).isEqualTo("red alarms may not be shelved");
            assertThat(result.path("alarmId").asText()).isEqualTo(alarm.getAlarmId());
        }
    }

    @Test
    void aStationCannotCommandAnAlarmItDoesNotSee() throws Exception {
        AlarmEvent alarm = raised("park-1", "gas-01", 2_000, Severity.SEVERITY_RED);
        server.alarm(alarm);
        try (ConsolePage page = loggedInWithTheList("station-09")) {
            page.send(command("acknowledge", alarm));
            JsonNode answer = page.next("command");
            assertThat(answer.path("sent").asBoolean()).isFalse();
            assertThat(commands).isEmpty();
        }
    }

    @Test
    void anAlarmEscalatedToANeighbourSaysFromWhom() throws Exception {
        AlarmEvent alarm = raised("park-1", "gas-01", 2_000, Severity.SEVERITY_RED);
        server.alarm(alarm);
        try (ConsolePage neighbour = loggedIn("station-09")) {
            assertThat(neighbour.next("alarms").path("alarms")).isEmpty();
            server.alarm(alarm.toBuilder().setEscalationLevel(1).clearStationIds()
                    .addAllStationIds(List.of("station-09", "control-room")).build());
            JsonNode escalated = neighbour.next("alarm").path("alarm");
            assertThat(escalated.path("escalationLevel").asInt()).isEqualTo(1);
            assertThat(escalated.path("escalatedToYouFrom")).extracting(JsonNode::asText)
                    .containsExactly("station-07");
        }
    }

    @Test
    void aReconnectingPageGetsTheWholeListAgainIncludingWhatChangedWhileItWasAway() throws Exception {
        server.alarm(raised("park-1", "gas-01", 2_000, Severity.SEVERITY_RED));
        try (ConsolePage page = loggedIn("station-07")) {
            assertThat(page.next("alarms").path("alarms")).hasSize(1);
            server.stop();
            page.closed().get(10, TimeUnit.SECONDS);
            server.alarm(raised("park-1", "gas-02", 3_000, Severity.SEVERITY_ORANGE));
            server.start();
            page.connect().get(10, TimeUnit.SECONDS);
            assertThat(page.next("alarms").path("alarms")).extracting(a -> a.path("sensorId").asText())
                    .containsExactly("gas-01", "gas-02");
        }
    }

    @Test
    void theListIsActiveFirstThenBySeverityThenAge() throws Exception {
        server.alarm(raised("park-1", "gas-01", 1_000, Severity.SEVERITY_BLUE));
        server.alarm(raised("park-1", "gas-02", 2_000, Severity.SEVERITY_RED));
        server.alarm(raised("park-1", "gas-03", 3_000, Severity.SEVERITY_RED));
        server.alarm(raised("park-1", "gas-04", 500, Severity.SEVERITY_RED).toBuilder()
                .setState(AlarmState.ALARM_STATE_RETURNED_UNACKNOWLEDGED).build());
        server.alarm(raised("park-1", "gas-05", 4_000, Severity.SEVERITY_ORANGE));
        try (ConsolePage page = loggedIn("station-07")) {
            assertThat(page.next("alarms").path("alarms")).extracting(a -> a.path("sensorId").asText())
                    .containsExactly("gas-02", "gas-03", "gas-05", "gas-01", "gas-04");
        }
    }

    @Test
    void theControlRoomSeesEverySiteWithLiveValuesAndGateways() throws Exception {
        server.alarm(raised("works-2", "gas-05", 3_000, Severity.SEVERITY_ORANGE));
        server.deviceStatus(DeviceStatus.newBuilder().setClientId("park-1.gw-1")
                .setState(ConnectionState.CONNECTION_STATE_ONLINE).setEventTimeMs(1_000).build());
        for (int i = 0; i < 3; i++) {
            server.telemetry(batch("park-1", "gas-01", 1_000 + i * 1_000L, 10 + i));
        }
        try (ConsolePage page = loggedIn("control-room")) {
            assertThat(page.next("hello").path("allSites").asBoolean()).isTrue();
            assertThat(page.next("alarms").path("alarms")).as("every site's alarms").hasSize(1);
            page.send(ConsolePage.JSON.createObjectNode().put("type", "watch-sites"));
            JsonNode sites = page.next("sites");
            JsonNode sensor = sites.path("sensors").get(0);
            assertThat(sensor.path("sensorId").asText()).isEqualTo("gas-01");
            assertThat(sensor.path("trend")).extracting(JsonNode::asDouble).containsExactly(10.0, 11.0, 12.0);
            JsonNode gateway = sites.path("gateways").get(0);
            assertThat(gateway.path("siteId").asText()).isEqualTo("park-1");
            assertThat(gateway.path("deviceId").asText()).isEqualTo("gw-1");
            assertThat(gateway.path("online").asBoolean()).isTrue();

            server.telemetry(batch("park-1", "gas-01", 4_000, 13));
            JsonNode update = page.next("sensors").path("sensors").get(0);
            assertThat(update.path("value").asDouble()).isEqualTo(13.0);
            server.deviceStatus(DeviceStatus.newBuilder().setClientId("park-1.gw-1")
                    .setState(ConnectionState.CONNECTION_STATE_OFFLINE).setEventTimeMs(5_000).build());
            assertThat(page.next("gateway").path("gateway").path("online").asBoolean()).isFalse();
        }
    }

    @Test
    void aPageIsToldWhileTheHistoryIsStillLoadingAndGetsTheListWhenItIs() throws Exception {
        try (ConsolePage page = loggedIn("station-07")) {
            assertThat(page.next("alarms").path("historyLoaded").asBoolean()).isFalse();
            server.alarm(raised("park-1", "gas-01", 2_000, Severity.SEVERITY_RED));
            server.alarmHistoryLoaded();
            JsonNode loaded = page.next(m -> m.path("type").asText().equals("alarms")
                    && m.path("historyLoaded").asBoolean(), "loaded list");
            assertThat(loaded.path("alarms")).hasSize(1);
        }
    }

    @Test
    void connectedConsolesAreCounted() throws Exception {
        try (ConsolePage page = loggedInWithTheList("station-07")) {
            await().atMost(Duration.ofSeconds(5)).until(() -> meters.get(ConsoleServer.CONNECTED).gauge().value() == 1);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> meters.get(ConsoleServer.CONNECTED).gauge().value() == 0);
    }

    private ConsolePage loggedIn(String station) throws Exception {
        ConsolePage page = new ConsolePage(server.url());
        assertThat(page.login(station, PASSWORD)).isEqualTo(200);
        assertThat(page.get("/api/session").body()).contains(station);
        page.connect().get(10, TimeUnit.SECONDS);
        return page;
    }

    /** Logged in, connected, and past the first list of alarms the server sends. */
    private ConsolePage loggedInWithTheList(String station) throws Exception {
        ConsolePage page = loggedIn(station);
        page.next("alarms");
        return page;
    }

    /** A command as the page sends it on {@code alarm}; options are added by the caller. */
    private static ObjectNode command(String type, AlarmEvent alarm) {
        return ConsolePage.JSON.createObjectNode().put("type", type).put("alarmId", alarm.getAlarmId());
    }

    static AlarmEvent raised(String site, String sensor, long raisedAt, Severity severity) {
        return AlarmEvent.newBuilder().setAlarmId(site + "/" + sensor + "/gas-high-1/1").setSiteId(site)
                .setSensorId(sensor).setDeviceId("gw-1").setRuleId("gas-high-1").setSeverity(severity)
                .setState(AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED).setValue(60).setThreshold(50)
                .setRaisedAtMs(raisedAt).setEventTimeMs(raisedAt).setActivation(1)
                .addStationIds(site.equals("park-1") ? "station-07" : "station-09").build();
    }

    private static TelemetryBatch batch(String site, String sensor, long t, double value) {
        return TelemetryBatch.newBuilder().setSiteId(site).setDeviceId("gw-1").setSequence(t)
                .addReadings(Reading.newBuilder().setSensorId(sensor).setTimestampMs(t).setValue(value)
                        .setQuality(Quality.QUALITY_GOOD).setUnit("%LEL")).build();
    }
}
