package io.tocsin.ingest.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tocsin.proto.v1.AlarmCommandResult;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.Severity;

import java.util.Collection;
import java.util.List;

/**
 * The JSON messages the server pushes to a console page over its WebSocket. Every message has a {@code type}:
 * <ul>
 *   <li>{@code hello}: who is logged in and what it covers;</li>
 *   <li>{@code alarms}: the whole active-alarm list, on (re)connect and after a console fell behind;</li>
 *   <li>{@code alarm}: one alarm added or changed; {@code alarm-removed}: one alarm back to normal;</li>
 *   <li>{@code command}: a command was handed to the alarm job (or could not be), {@code command-result}: the job's
 *       decision (a refusal carries its reason);</li>
 *   <li>{@code sites}, {@code sensors}, {@code gateway}: the control-room view, for consoles that asked for it;</li>
 *   <li>{@code heartbeat}: sent when idle, so the page can tell a quiet shift from a dead link.</li>
 * </ul>
 */
final class ConsoleMessages {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ConsoleSettings settings;

    ConsoleMessages(ConsoleSettings settings) {
        this.settings = settings;
    }

    String hello(Viewer viewer, boolean historyLoaded, boolean feedHealthy) {
        ObjectNode message = message("hello");
        message.put("station", viewer.name());
        message.put("allSites", viewer.allSites());
        ArrayNode sites = message.putArray("sites");
        viewer.sites().stream().sorted().forEach(site -> sites.addObject().put("siteId", site)
                .put("siteName", settings.siteName(site)));
        message.put("historyLoaded", historyLoaded);
        message.put("feedHealthy", feedHealthy);
        return text(message);
    }

    String alarms(Viewer viewer, List<ActiveAlarms.Entry> entries, boolean historyLoaded) {
        ObjectNode message = message("alarms");
        message.put("historyLoaded", historyLoaded);
        ArrayNode list = message.putArray("alarms");
        entries.forEach(entry -> list.add(alarm(viewer, entry)));
        return text(message);
    }

    String alarmChanged(Viewer viewer, ActiveAlarms.Entry entry) {
        ObjectNode message = message("alarm");
        message.set("alarm", alarm(viewer, entry));
        return text(message);
    }

    String alarmRemoved(AlarmEvent event) {
        ObjectNode message = message("alarm-removed");
        message.put("alarmId", event.getAlarmId());
        message.put("siteId", event.getSiteId());
        message.put("actor", event.getActor());
        return text(message);
    }

    String commandSent(String commandId, String alarmId, String type) {
        ObjectNode message = message("command");
        message.put("commandId", commandId).put("alarmId", alarmId).put("command", type).put("sent", true);
        return text(message);
    }

    String commandNotSent(String commandId, String alarmId, String type, String reason) {
        ObjectNode message = message("command");
        message.put("commandId", commandId).put("alarmId", alarmId).put("command", type).put("sent", false)
                .put("reason", reason);
        return text(message);
    }

    String commandResult(AlarmCommandResult result, String alarmId) {
        ObjectNode message = message("command-result");
        message.put("commandId", result.getCommandId()).put("alarmId", alarmId)
                .put("command", commandName(result.getType().name())).put("accepted", result.getAccepted())
                .put("refusal", result.getRefusal()).put("actor", result.getActor());
        return text(message);
    }

    String sites(Viewer viewer, Collection<String> siteIds, List<LiveSensorValues.Sensor> sensors,
                 List<GatewayStatuses.Gateway> gateways) {
        ObjectNode message = message("sites");
        ArrayNode sites = message.putArray("sites");
        siteIds.stream().filter(viewer::coversSite).sorted().forEach(site -> sites.addObject().put("siteId", site)
                .put("siteName", settings.siteName(site)));
        ArrayNode sensorList = message.putArray("sensors");
        sensors.forEach(sensor -> sensorList.add(sensor(sensor)));
        ArrayNode gatewayList = message.putArray("gateways");
        gateways.forEach(gateway -> gatewayList.add(gatewayNode(gateway)));
        return text(message);
    }

    String sensors(List<LiveSensorValues.Sensor> sensors) {
        ObjectNode message = message("sensors");
        ArrayNode list = message.putArray("sensors");
        sensors.forEach(sensor -> list.add(sensor(sensor)));
        return text(message);
    }

    String gateway(GatewayStatuses.Gateway gateway) {
        ObjectNode message = message("gateway");
        message.set("gateway", gatewayNode(gateway));
        return text(message);
    }

    String heartbeat(long nowMs, boolean historyLoaded, boolean feedHealthy) {
        ObjectNode message = message("heartbeat");
        message.put("serverTimeMs", nowMs).put("historyLoaded", historyLoaded).put("feedHealthy", feedHealthy);
        return text(message);
    }

    String error(String what) {
        ObjectNode message = message("error");
        message.put("message", what);
        return text(message);
    }

    private ObjectNode alarm(Viewer viewer, ActiveAlarms.Entry entry) {
        AlarmEvent e = entry.latest();
        ObjectNode alarm = JSON.createObjectNode();
        alarm.put("alarmId", e.getAlarmId());
        alarm.put("siteId", e.getSiteId());
        alarm.put("siteName", settings.siteName(e.getSiteId()));
        alarm.put("zoneId", e.getZoneId());
        alarm.put("sensorId", e.getSensorId());
        alarm.put("deviceId", e.getDeviceId());
        alarm.put("ruleId", e.getRuleId());
        alarm.put("severity", severity(e.getSeverity()));
        alarm.put("state", e.getState().name().replace("ALARM_STATE_", ""));
        alarm.put("kind", e.getKind().name().replace("ALARM_KIND_", ""));
        alarm.put("value", e.getValue());
        alarm.put("threshold", e.getThreshold());
        alarm.put("raisedAtMs", e.getRaisedAtMs());
        alarm.put("eventTimeMs", e.getEventTimeMs());
        alarm.put("actor", e.getActor());
        alarm.put("comment", e.getComment());
        alarm.put("shelvedUntilMs", e.getShelvedUntilMs());
        alarm.put("flapping", e.getFlapping());
        alarm.put("escalationLevel", e.getEscalationLevel());
        ArrayNode from = alarm.putArray("escalatedToYouFrom");
        entry.escalatedToFrom(viewer).forEach(from::add);
        return alarm;
    }

    private static ObjectNode sensor(LiveSensorValues.Sensor sensor) {
        ObjectNode node = JSON.createObjectNode();
        node.put("siteId", sensor.siteId()).put("deviceId", sensor.deviceId()).put("sensorId", sensor.sensorId())
                .put("value", sensor.value()).put("unit", sensor.unit())
                .put("quality", sensor.quality().name().replace("QUALITY_", ""))
                .put("timestampMs", sensor.timestampMs());
        ArrayNode trend = node.putArray("trend");
        for (double v : sensor.trend()) {
            trend.add(v);
        }
        return node;
    }

    private static ObjectNode gatewayNode(GatewayStatuses.Gateway gateway) {
        return JSON.createObjectNode().put("siteId", gateway.siteId()).put("deviceId", gateway.deviceId())
                .put("online", gateway.online()).put("sinceMs", gateway.sinceMs());
    }

    static String severity(Severity severity) {
        return switch (severity) {
            case SEVERITY_RED -> "RED";
            case SEVERITY_ORANGE -> "ORANGE";
            case SEVERITY_YELLOW -> "YELLOW";
            case SEVERITY_BLUE -> "BLUE";
            default -> "UNSPECIFIED";
        };
    }

    static String commandName(String enumName) {
        return enumName.replace("COMMAND_TYPE_", "").toLowerCase(java.util.Locale.ROOT);
    }

    private static ObjectNode message(String type) {
        return JSON.createObjectNode().put("type", type);
    }

    static ObjectMapper json() {
        return JSON;
    }

    private static String text(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write console JSON", e);
        }
    }
}
