package io.tocsin.ingest.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tocsin.proto.v1.AlarmEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;

/**
 * The request bodies. Format {@code json} (schema {@value #SCHEMA}), UTF-8, one object:
 *
 * <pre>{@code
 * {
 *   "schema": "tocsin.alarm.v1",
 *   "delivery_id": "station-07|park-1/gas-01/gas-high-1/1|1795946400000|ALARM_STATE_ACTIVE_UNACKNOWLEDGED|0",
 *   "station_id": "station-07",            // the station this request is for
 *   "alarm_id": "park-1/gas-01/gas-high-1/1",
 *   "site_id": "park-1", "sensor_id": "gas-01", "device_id": "gw-1", "zone_id": "",
 *   "rule_id": "gas-high-1",
 *   "severity": "orange",                  // red | orange | yellow | blue | unspecified
 *   "state": "active_unacknowledged",      // normal | active_unacknowledged | active_acknowledged |
 *                                          // returned_unacknowledged | shelved | suppressed
 *   "kind": "process",                     // process | fault | unspecified
 *   "cause": "condition",                  // condition | acknowledge | shelve | ... | unspecified
 *   "value": 31.5, "threshold": 25.0,      // null when not a finite number
 *   "raised_at": "2026-11-29T10:00:00Z", "raised_at_ms": 1795946400000,
 *   "event_time": "2026-11-29T10:00:00Z", "event_time_ms": 1795946400000,
 *   "activation": 1,
 *   "actor": "", "comment": "",           // who acknowledged/shelved, and why
 *   "escalation_level": 0,                 // 1, 2 ...: escalated because nobody acknowledged in time
 *   "station_ids": ["station-07"],         // every station this event was routed to
 *   "flapping": false
 * }
 * }</pre>
 *
 * Fields may be added (receivers must ignore unknown fields); renames or removals get a new schema name.
 *
 * <p>Format {@code bot-text}: {@code {"msgtype":"text","text":{"content":"<one line>"}}}, the text message both WeCom
 * and DingTalk group bots accept.
 */
public final class AlarmPayloads {

    public static final String SCHEMA = "tocsin.alarm.v1";

    private static final ObjectMapper JSON = new ObjectMapper();

    private AlarmPayloads() {
    }

    /** The body for {@code target}. */
    public static byte[] body(WebhookTarget.BodyFormat format, DeliveryKey key, AlarmEvent event) {
        ObjectNode body = switch (format) {
            case JSON -> alarmJson(key, event);
            case BOT_TEXT -> botText(key, event);
        };
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serialises", e);
        }
    }

    static ObjectNode alarmJson(DeliveryKey key, AlarmEvent e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("schema", SCHEMA);
        o.put("delivery_id", key.asString());
        o.put("station_id", key.stationId());
        o.put("alarm_id", e.getAlarmId());
        o.put("site_id", e.getSiteId());
        o.put("sensor_id", e.getSensorId());
        o.put("device_id", e.getDeviceId());
        o.put("zone_id", e.getZoneId());
        o.put("rule_id", e.getRuleId());
        o.put("severity", enumName(e.getSeverity().name(), "SEVERITY_"));
        o.put("state", enumName(e.getState().name(), "ALARM_STATE_"));
        o.put("kind", enumName(e.getKind().name(), "ALARM_KIND_"));
        o.put("cause", enumName(e.getCause().name(), "TRANSITION_CAUSE_"));
        putNumber(o, "value", e.getValue());
        putNumber(o, "threshold", e.getThreshold());
        o.put("raised_at", Instant.ofEpochMilli(e.getRaisedAtMs()).toString());
        o.put("raised_at_ms", e.getRaisedAtMs());
        o.put("event_time", Instant.ofEpochMilli(e.getEventTimeMs()).toString());
        o.put("event_time_ms", e.getEventTimeMs());
        o.put("activation", e.getActivation());
        o.put("actor", e.getActor());
        o.put("comment", e.getComment());
        o.put("escalation_level", e.getEscalationLevel());
        ArrayNode stations = o.putArray("station_ids");
        e.getStationIdsList().forEach(stations::add);
        o.put("flapping", e.getFlapping());
        return o;
    }

    static ObjectNode botText(DeliveryKey key, AlarmEvent e) {
        ObjectNode o = JSON.createObjectNode();
        o.put("msgtype", "text");
        o.putObject("text").put("content", textLine(e));
        return o;
    }

    /** E.g. {@code [ORANGE] park-1 gas-01: active unacknowledged, value 31.5 (threshold 25), rule gas-high-1, 2026-...Z}. */
    static String textLine(AlarmEvent e) {
        StringBuilder s = new StringBuilder();
        s.append('[').append(enumName(e.getSeverity().name(), "SEVERITY_").toUpperCase(Locale.ROOT)).append("] ")
                .append(e.getSiteId()).append(' ').append(e.getSensorId())
                .append(e.getZoneId().isEmpty() ? "" : " (zone " + e.getZoneId() + ")")
                .append(": ").append(enumName(e.getState().name(), "ALARM_STATE_").replace('_', ' '));
        if (Double.isFinite(e.getValue())) {
            s.append(", value ").append(e.getValue());
        }
        if (Double.isFinite(e.getThreshold())) {
            s.append(" (threshold ").append(e.getThreshold()).append(')');
        }
        s.append(", rule ").append(e.getRuleId());
        if (!e.getActor().isEmpty()) {
            s.append(", by ").append(e.getActor());
        }
        if (e.getEscalationLevel() > 0) {
            s.append(", ESCALATED (level ").append(e.getEscalationLevel()).append(')');
        }
        s.append(", ").append(Instant.ofEpochMilli(e.getEventTimeMs()));
        s.append(", alarm ").append(e.getAlarmId());
        return s.toString();
    }

    private static void putNumber(ObjectNode o, String name, double v) {
        if (Double.isFinite(v)) {
            o.put(name, v);
        } else {
            o.putNull(name);
        }
    }

    private static String enumName(String name, String prefix) {
        String n = name.startsWith(prefix) ? name.substring(prefix.length()) : name;
        return n.toLowerCase(Locale.ROOT);
    }

    static String utf8(byte[] body) {
        return new String(body, StandardCharsets.UTF_8);
    }
}
