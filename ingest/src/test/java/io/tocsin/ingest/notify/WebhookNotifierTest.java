package io.tocsin.ingest.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.AlarmState;
import io.tocsin.proto.v1.Severity;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The notifier against a real HTTP receiver on loopback. */
class WebhookNotifierTest {

    private static final String SECRET = "0123456789abcdef-station-07-secret";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Fast retries; timeouts long enough that a loaded machine never gives up on a healthy receiver. */
    private static final RetryPolicy FAST = new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(100),
            Duration.ofSeconds(60), Duration.ofSeconds(30));

    @TempDir
    Path state;

    private WebhookReceiver receiver;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<WebhookNotifier> notifiers = new ArrayList<>();

    @BeforeEach
    void startReceiver() throws Exception {
        receiver = new WebhookReceiver();
    }

    @AfterEach
    void stop() {
        notifiers.forEach(WebhookNotifier::close);
        receiver.close();
    }

    @Test
    void signatureVerifiesWithTheDocumentedProcedure() throws Exception {
        WebhookNotifier notifier = notifier(FAST, target("station-07", "/s7", WebhookTarget.BodyFormat.JSON));
        AlarmEvent raised = event("station-07", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 0);

        notifier.submit(raised).get(60, TimeUnit.SECONDS);

        WebhookReceiver.Received request = receiver.received("/s7").get(0);
        String header = request.header("Tocsin-Signature");
        // The documented procedure, written out independently of WebhookSignature:
        // split on ',', take t and v1, HMAC-SHA256(secret, t + "." + raw body), lowercase hex, compare, check t.
        String t = null;
        String v1 = null;
        for (String part : header.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv[0].equals("t")) {
                t = kv[1];
            } else if (kv[0].equals("v1")) {
                v1 = kv[1];
            }
        }
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update((t + ".").getBytes(StandardCharsets.US_ASCII));
        String expected = HexFormat.of().formatHex(mac.doFinal(request.body()));
        assertThat(v1).isEqualTo(expected);
        assertThat(Math.abs(Instant.now().getEpochSecond() - Long.parseLong(t))).isLessThan(300);

        assertThat(WebhookSignature.verify(SECRET.getBytes(StandardCharsets.UTF_8), header, request.body(),
                Instant.now(), WebhookSignature.DEFAULT_TOLERANCE)).isTrue();
        byte[] tampered = request.bodyText().replace("\"red\"", "\"blue\"").getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookSignature.verify(SECRET.getBytes(StandardCharsets.UTF_8), header, tampered,
                Instant.now(), WebhookSignature.DEFAULT_TOLERANCE)).isFalse();
        assertThat(WebhookSignature.verify("another-secret-of-16+bytes".getBytes(StandardCharsets.UTF_8), header,
                request.body(), Instant.now(), WebhookSignature.DEFAULT_TOLERANCE)).isFalse();
        assertThat(WebhookSignature.verify(SECRET.getBytes(StandardCharsets.UTF_8), header, request.body(),
                Instant.now().plus(Duration.ofMinutes(10)), WebhookSignature.DEFAULT_TOLERANCE)).isFalse();

        JsonNode body = JSON.readTree(request.body());
        assertThat(body.get("schema").asText()).isEqualTo("tocsin.alarm.v1");
        assertThat(body.get("station_id").asText()).isEqualTo("station-07");
        assertThat(body.get("alarm_id").asText()).isEqualTo(raised.getAlarmId());
        assertThat(body.get("severity").asText()).isEqualTo("red");
        assertThat(body.get("state").asText()).isEqualTo("active_unacknowledged");
        assertThat(body.get("value").asDouble()).isEqualTo(55.0);
        assertThat(body.get("threshold").asDouble()).isEqualTo(50.0);
        assertThat(request.header("Content-Type")).startsWith("application/json");
        assertThat(request.header("Tocsin-Delivery-Id")).isEqualTo(body.get("delivery_id").asText())
                .isEqualTo("station-07|park-1/gas-01/gas-high-2/1|1795946400000|ALARM_STATE_ACTIVE_UNACKNOWLEDGED|0");
    }

    @Test
    void retriesOnServerErrorsUntilTheReceiverAnswers() throws Exception {
        receiver.answer("/s7", 503, 503);
        WebhookNotifier notifier = notifier(FAST, target("station-07", "/s7", WebhookTarget.BodyFormat.JSON));

        notifier.submit(event("station-07", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 0))
                .get(60, TimeUnit.SECONDS);

        List<WebhookReceiver.Received> requests = receiver.received("/s7");
        assertThat(requests).hasSize(3);
        assertThat(requests).extracting(r -> r.header("Tocsin-Delivery-Attempt")).containsExactly("1", "2", "3");
        assertThat(requests).extracting(r -> r.header("Tocsin-Delivery-Id")).containsOnly(
                requests.get(0).header("Tocsin-Delivery-Id"));
        assertThat(requests).extracting(WebhookReceiver.Received::bodyText).containsOnly(requests.get(0).bodyText());
        assertThat(meters.counter(WebhookNotifier.RETRIES, "station", "station-07").count()).isEqualTo(2);
        assertThat(meters.counter(WebhookNotifier.DELIVERED, "station", "station-07").count()).isEqualTo(1);
        assertThat(Files.readString(notifier.deadLetterFile())).isEmpty();
    }

    @Test
    void tooManyRequestsIsRetriedToo() throws Exception {
        receiver.answer("/s7", 429);
        WebhookNotifier notifier = notifier(FAST, target("station-07", "/s7", WebhookTarget.BodyFormat.JSON));

        notifier.submit(event("station-07", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 0))
                .get(60, TimeUnit.SECONDS);

        assertThat(receiver.received("/s7")).hasSize(2);
        assertThat(meters.counter(WebhookNotifier.DELIVERED, "station", "station-07").count()).isEqualTo(1);
    }

    @Test
    void aTargetThatStaysDownEndsInTheDeadLetters() throws Exception {
        receiver.always("/s7", 503);
        RetryPolicy giveUpSoon = new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(50),
                Duration.ofMillis(1500), Duration.ofSeconds(5));
        WebhookNotifier notifier = notifier(giveUpSoon, target("station-07", "/s7", WebhookTarget.BodyFormat.JSON));
        AlarmEvent raised = event("station-07", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 0);

        notifier.submit(raised).get(60, TimeUnit.SECONDS);

        assertThat(receiver.received("/s7").size()).isGreaterThan(1);
        List<String> lines = Files.readAllLines(notifier.deadLetterFile());
        assertThat(lines).hasSize(1);
        JsonNode dead = JSON.readTree(lines.get(0));
        assertThat(dead.get("station_id").asText()).isEqualTo("station-07");
        assertThat(dead.get("delivery_id").asText()).isEqualTo(DeliveryKey.of("station-07", raised).asString());
        assertThat(dead.get("attempts").asInt()).isEqualTo(receiver.received("/s7").size());
        assertThat(dead.get("last_error").asText()).startsWith("HTTP 503");
        assertThat(dead.get("body").get("alarm_id").asText()).isEqualTo(raised.getAlarmId());
        assertThat(meters.counter(WebhookNotifier.DEAD_LETTERS, "station", "station-07").count()).isEqualTo(1);
        assertThat(meters.counter(WebhookNotifier.DELIVERED, "station", "station-07").count()).isZero();
    }

    @Test
    void anUnreachableTargetEndsInTheDeadLettersAndARefusalIsNotRetried() throws Exception {
        URI nobodyListens;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nobodyListens = URI.create("http://127.0.0.1:" + probe.getLocalPort() + "/hook");
        }
        receiver.always("/s9", 401);
        RetryPolicy giveUpSoon = new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(50),
                Duration.ofMillis(1500), Duration.ofSeconds(5));
        WebhookNotifier notifier = notifier(giveUpSoon,
                new WebhookTarget("station-07", nobodyListens, SECRET, WebhookTarget.BodyFormat.JSON),
                target("station-09", "/s9", WebhookTarget.BodyFormat.JSON));

        notifier.submit(event("station-07", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 0)).get(60, TimeUnit.SECONDS);
        notifier.submit(event("station-09", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 0)).get(60, TimeUnit.SECONDS);

        assertThat(receiver.received("/s9")).hasSize(1);
        List<JsonNode> dead = new ArrayList<>();
        for (String line : Files.readAllLines(notifier.deadLetterFile())) {
            dead.add(JSON.readTree(line));
        }
        assertThat(dead).extracting(d -> d.get("station_id").asText()).containsExactlyInAnyOrder("station-07",
                "station-09");
        assertThat(dead).filteredOn(d -> d.get("station_id").asText().equals("station-09"))
                .extracting(d -> d.get("last_error").asText()).singleElement().asString().startsWith("HTTP 401");
        assertThat(dead).filteredOn(d -> d.get("station_id").asText().equals("station-07"))
                .extracting(d -> d.get("last_error").asText()).singleElement().asString().contains("Connect");
    }

    @Test
    void aDuplicatedEventIsNotSentAgainNotEvenAfterARestart() throws Exception {
        receiver.answer("/s7", 503); // the first delivery is still retrying when the duplicate arrives
        WebhookTarget s7 = target("station-07", "/s7", WebhookTarget.BodyFormat.JSON);
        WebhookNotifier notifier = notifier(FAST, s7);
        AlarmEvent raised = event("station-07", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 0);

        CompletableFuture<Void> first = notifier.submit(raised);
        CompletableFuture<Void> duplicateWhileOnItsWay = notifier.submit(raised);
        first.get(60, TimeUnit.SECONDS);
        duplicateWhileOnItsWay.get(60, TimeUnit.SECONDS);
        notifier.submit(raised).get(60, TimeUnit.SECONDS); // after delivery

        // Same alarm, other state and an escalation: different events, delivered. A station's deliveries are in
        // order, so had a duplicate been sent it would be among the requests before these.
        AlarmEvent acknowledged = event("station-07", AlarmState.ALARM_STATE_ACTIVE_ACKNOWLEDGED, 0);
        AlarmEvent escalated = event("station-07", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 1);
        notifier.submit(acknowledged).get(60, TimeUnit.SECONDS);
        notifier.submit(escalated).get(60, TimeUnit.SECONDS);
        assertThat(deliveryIds("/s7")).containsExactly(
                "station-07|park-1/gas-01/gas-high-2/1|1795946400000|ALARM_STATE_ACTIVE_UNACKNOWLEDGED|0",
                "station-07|park-1/gas-01/gas-high-2/1|1795946400000|ALARM_STATE_ACTIVE_ACKNOWLEDGED|0",
                "station-07|park-1/gas-01/gas-high-2/1|1795946400000|ALARM_STATE_ACTIVE_UNACKNOWLEDGED|1");

        notifier.close();
        WebhookNotifier restarted = notifier(FAST, s7);
        restarted.submit(raised).get(60, TimeUnit.SECONDS);
        restarted.submit(escalated).get(60, TimeUnit.SECONDS);
        AlarmEvent returned = event("station-07", AlarmState.ALARM_STATE_RETURNED_UNACKNOWLEDGED, 0);
        restarted.submit(returned).get(60, TimeUnit.SECONDS);

        assertThat(deliveryIds("/s7")).hasSize(4).last().asString().contains("RETURNED_UNACKNOWLEDGED");
        assertThat(meters.counter(WebhookNotifier.DUPLICATES).count()).isEqualTo(4);
    }

    @Test
    void anAlarmIdRepeatedByAJobThatLostItsStateIsANewNotification() throws Exception {
        WebhookTarget s7 = target("station-07", "/s7", WebhookTarget.BodyFormat.JSON);
        WebhookNotifier notifier = notifier(FAST, s7);
        AlarmEvent raised = event("station-07", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 0);
        notifier.submit(raised).get(60, TimeUnit.SECONDS);

        // The job restarted without its state: the next activation is numbered 1 again, same alarm id, but it
        // was raised by another reading, later.
        AlarmEvent raisedAgain = raised.toBuilder().setRaisedAtMs(raised.getRaisedAtMs() + 3_600_000L)
                .setEventTimeMs(raised.getEventTimeMs() + 3_600_000L).build();
        notifier.submit(raisedAgain).get(60, TimeUnit.SECONDS);
        notifier.submit(raisedAgain).get(60, TimeUnit.SECONDS); // and its replay is still a duplicate

        assertThat(deliveryIds("/s7")).containsExactly(
                "station-07|park-1/gas-01/gas-high-2/1|1795946400000|ALARM_STATE_ACTIVE_UNACKNOWLEDGED|0",
                "station-07|park-1/gas-01/gas-high-2/1|1795950000000|ALARM_STATE_ACTIVE_UNACKNOWLEDGED|0");
        assertThat(meters.counter(WebhookNotifier.DUPLICATES).count()).isEqualTo(1);
    }

    @Test
    void aHangingStationDoesNotDelayAnother() throws Exception {
        receiver.hang("/s7");
        RetryPolicy patient = new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(100), Duration.ofSeconds(60),
                Duration.ofSeconds(60));
        WebhookNotifier notifier = notifier(patient, target("station-07", "/s7", WebhookTarget.BodyFormat.JSON),
                target("station-09", "/s9", WebhookTarget.BodyFormat.JSON));
        AlarmEvent toBoth = event("station-07", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 0).toBuilder()
                .addStationIds("station-09").build();

        CompletableFuture<Void> both = notifier.submit(toBoth);
        notifier.submit(event("station-09", AlarmState.ALARM_STATE_ACTIVE_ACKNOWLEDGED, 0));
        await().atMost(Duration.ofSeconds(20)).until(() -> receiver.received("/s9").size() == 2);

        // station-07's request is still held unanswered, and so is the event's completion (its offset).
        assertThat(receiver.received("/s7")).hasSize(1);
        assertThat(both).isNotDone();
        receiver.releaseHeld();
        both.get(60, TimeUnit.SECONDS);
    }

    @Test
    void aStationGetsItsEventsInOrderEvenWhenTheFirstIsRetried() throws Exception {
        receiver.answer("/s7", 503, 503);
        WebhookNotifier notifier = notifier(FAST, target("station-07", "/s7", WebhookTarget.BodyFormat.JSON));

        List<CompletableFuture<Void>> all = List.of(
                notifier.submit(event("station-07", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 0)),
                notifier.submit(event("station-07", AlarmState.ALARM_STATE_ACTIVE_ACKNOWLEDGED, 0)),
                notifier.submit(event("station-07", AlarmState.ALARM_STATE_NORMAL, 0)));
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        assertThat(receiver.received("/s7")).extracting(r -> JSON.readTree(r.body()).get("state").asText())
                .containsExactly("active_unacknowledged", "active_unacknowledged", "active_unacknowledged",
                        "active_acknowledged", "normal");
    }

    @Test
    void botTextBodiesAndBotErrorCodesAreRetried() throws Exception {
        receiver.answerBody("/bot", "{\"errcode\":0,\"errmsg\":\"ok\"}");
        WebhookNotifier notifier = notifier(FAST, target("station-07", "/bot", WebhookTarget.BodyFormat.BOT_TEXT));

        notifier.submit(event("station-07", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 0)).get(60, TimeUnit.SECONDS);

        JsonNode body = JSON.readTree(receiver.received("/bot").get(0).body());
        assertThat(body.get("msgtype").asText()).isEqualTo("text");
        assertThat(body.get("text").get("content").asText())
                .startsWith("[RED] park-1 gas-01: active unacknowledged, value 55.0 (threshold 50.0)")
                .contains("rule gas-high-2");
    }

    @Test
    void aBotAnsweringWithAnErrorCodeIsRetried() throws Exception {
        receiver.answerBody("/bot", "{\"errcode\":45009,\"errmsg\":\"api freq out of limit\"}");
        RetryPolicy giveUpSoon = new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(50),
                Duration.ofMillis(1500), Duration.ofSeconds(5));
        WebhookNotifier notifier = notifier(giveUpSoon,
                target("station-07", "/bot", WebhookTarget.BodyFormat.BOT_TEXT));

        notifier.submit(event("station-07", AlarmState.ALARM_STATE_ACTIVE_UNACKNOWLEDGED, 0)).get(60, TimeUnit.SECONDS);

        assertThat(receiver.received("/bot").size()).isGreaterThan(1);
        assertThat(Files.readString(notifier.deadLetterFile())).contains("errcode 45009");
    }

    @Test
    void stationsWithoutAWebhookAreSkipped() throws Exception {
        WebhookNotifier notifier = notifier(FAST, target("station-07", "/s7", WebhookTarget.BodyFormat.JSON));

        CompletableFuture<Void> done = notifier.submit(event("station-42", AlarmState.ALARM_STATE_NORMAL, 0));

        assertThat(done).isCompleted();
        assertThat(meters.counter(WebhookNotifier.NO_TARGET).count()).isEqualTo(1);
    }

    private List<String> deliveryIds(String path) {
        return receiver.received(path).stream().map(r -> r.header("Tocsin-Delivery-Id")).distinct().toList();
    }

    private WebhookTarget target(String station, String path, WebhookTarget.BodyFormat format) {
        return new WebhookTarget(station, receiver.url(path), SECRET, format);
    }

    private WebhookNotifier notifier(RetryPolicy policy, WebhookTarget... targets) throws Exception {
        Map<String, WebhookTarget> byStation = new java.util.HashMap<>();
        for (WebhookTarget t : targets) {
            byStation.put(t.stationId(), t);
        }
        WebhookNotifier notifier = new WebhookNotifier(new WebhookSettings(byStation, policy, state, 1000), meters);
        notifiers.add(notifier);
        return notifier;
    }

    static AlarmEvent event(String station, AlarmState state, int escalationLevel) {
        return AlarmEvent.newBuilder()
                .setAlarmId("park-1/gas-01/gas-high-2/1").setSiteId("park-1").setSensorId("gas-01")
                .setDeviceId("gw-1").setRuleId("gas-high-2").setSeverity(Severity.SEVERITY_RED).setState(state)
                .setValue(55).setThreshold(50).setRaisedAtMs(1_795_946_400_000L)
                .setEventTimeMs(1_795_946_400_000L + state.getNumber()).setActivation(1)
                .addStationIds(station).setEscalationLevel(escalationLevel).build();
    }
}
