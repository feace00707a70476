package io.tocsin.standalone.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tocsin.jobs.alarms.AlarmEventCodec;
import io.tocsin.jobs.routing.RoutedAlarm;
import io.tocsin.proto.v1.AlarmEvent;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import io.tocsin.rules.AlarmState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What reached where, per gateway, after a scenario: readings sent (produced by the driver), acknowledged (PUBACK
 * at the gateway), in the telemetry topic (copies and distinct), stored in the time-series store; acknowledged
 * but not stored (lost); batch sequence gaps in the topic; alarm transitions expected from the readings versus
 * delivered on the alarms topic. {@link #totals()} is what the scenarios assert and docs/reliability.md quotes.
 */
final class FleetAudit {

    /** One gateway's line. */
    record Line(String site, long sent, long acked, long notAcked, long topicCopies, long topicDistinct,
                long stored, long lost, long sequenceGaps, long outOfOrder, int alarmsExpected,
                int alarmsDelivered, int alarmsMissing, int alarmsUnexpected, int alarmCopies,
                int gatewayFaultTransitions) {

        long duplicatesInTopic() {
            return topicCopies - topicDistinct;
        }
    }

    /** Totals over the fleet. */
    record Totals(long sent, long acked, long notAcked, long stored, long lost, long duplicatesInTopic,
                  long sequenceGaps, long outOfOrder, int alarmsExpected, int alarmsDelivered, int alarmsMissing,
                  int alarmsUnexpected, int alarmCopies, int gatewayFaultTransitions) {

        @Override
        public String toString() {
            return ("readings sent %d, acked %d, not acked %d, stored %d, LOST %d, duplicated in Kafka %d, sequence gaps %d,"
                    + " out of order %d | alarm transitions expected %d, delivered %d, MISSING %d, unexpected %d,"
                    + " copies published %d | gateway-offline transitions %d").formatted(sent, acked, notAcked, stored,
                    lost, duplicatesInTopic, sequenceGaps, outOfOrder, alarmsExpected, alarmsDelivered, alarmsMissing,
                    alarmsUnexpected, alarmCopies, gatewayFaultTransitions);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The rule id of gateway-offline faults in alarm ids ({@code site/device/gateway-offline/n}). */
    static final String GATEWAY_OFFLINE = "/" + io.tocsin.jobs.gateways.GatewayOfflineRule.RULE_ID + "/";

    private final List<Line> lines;

    private FleetAudit(List<Line> lines) {
        this.lines = lines;
    }

    /**
     * @param checkStore false when the scenario does not look at the store (then stored = lost = -1... 0)
     */
    static FleetAudit of(AuditedFleet fleet, Deployment deployment, boolean checkStore) {
        Map<String, List<TelemetryBatch>> topicBySite = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : TopicSnapshot.read(deployment.bootstrap(), "telemetry")) {
            String site = r.key().substring(0, r.key().indexOf('/'));
            try {
                topicBySite.computeIfAbsent(site, s -> new ArrayList<>()).add(TelemetryBatch.parseFrom(r.value()));
            } catch (Exception e) {
                throw new IllegalStateException("undecodable telemetry record " + r, e);
            }
        }
        Map<String, List<RoutedAlarm>> alarmsBySite = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : TopicSnapshot.read(deployment.bootstrap(), "alarms")) {
            try {
                RoutedAlarm alarm = AlarmEventCodec.routedFromProto(AlarmEvent.parseFrom(r.value()));
                alarmsBySite.computeIfAbsent(alarm.transition().siteId(), s -> new ArrayList<>()).add(alarm);
            } catch (Exception e) {
                throw new IllegalStateException("undecodable alarm record " + r, e);
            }
        }
        List<Line> lines = new ArrayList<>();
        for (AuditedFleet.Gateway g : fleet.gateways()) {
            lines.add(line(g, topicBySite.getOrDefault(g.site(), List.of()),
                    alarmsBySite.getOrDefault(g.site(), List.of()),
                    checkStore ? stored(deployment, g.site()) : null));
        }
        return new FleetAudit(lines);
    }

    private static Line line(AuditedFleet.Gateway g, List<TelemetryBatch> topic, List<RoutedAlarm> alarms,
                             Set<String> stored) {
        List<Reading> sent = g.driver().produced();
        Set<String> acked = g.uplink().acknowledgedReadings();
        long notAcked = sent.stream().filter(r -> !acked.contains(RecordingUplink.key(r.getSensorId(),
                r.getTimestampMs()))).count();

        long copies = 0;
        Set<String> distinct = new HashSet<>();
        Set<Long> sequences = new TreeSet<>();
        Map<String, Long> lastTimeBySensor = new HashMap<>();
        long outOfOrder = 0;
        for (TelemetryBatch batch : topic) {
            // A backlog merged into one publish covers first_sequence..sequence.
            long first = batch.getFirstSequence() == 0 ? batch.getSequence() : batch.getFirstSequence();
            for (long s = first; s <= batch.getSequence(); s++) {
                sequences.add(s);
            }
            for (Reading r : batch.getReadingsList()) {
                if (r.getUnit().startsWith("event:")) {
                    continue; // local alarm events: urgent, they jump the queue on purpose
                }
                copies++;
                // A resend may be merged differently from the first attempt, so first arrivals are per reading.
                boolean firstArrival = distinct.add(RecordingUplink.key(r.getSensorId(), r.getTimestampMs()));
                if (firstArrival) { // per-sensor order of first arrivals, in each partition's order
                    Long last = lastTimeBySensor.put(r.getSensorId(), r.getTimestampMs());
                    if (last != null && last > r.getTimestampMs()) {
                        outOfOrder++;
                    }
                }
            }
        }
        long highestAcked = g.uplink().acknowledgedSequences().stream().mapToLong(Long::longValue).max().orElse(0);
        long gaps = 0;
        for (long s = 1; s <= highestAcked; s++) {
            if (!sequences.contains(s)) {
                gaps++;
            }
        }
        // Only the detectors' readings: local alarm events (urgent lane) are audited by the scenario that makes them.
        long lost = stored == null ? 0 : sent.stream().map(r -> RecordingUplink.key(r.getSensorId(), r.getTimestampMs()))
                .filter(k -> acked.contains(k) && !stored.contains(k)).count();

        Set<String> expected = expectedTransitions(g);
        List<String> deliveredAll = alarms.stream().filter(a -> a.escalationLevel() == 0)
                .map(a -> a.alarmId() + " " + a.transition().state()).toList();
        // Gateway-offline faults follow the connection, not the script: a scenario whose outage outlasts the
        // fault's grace time expects them (and checks them), the others none.
        List<String> delivered = deliveredAll.stream().filter(d -> !d.contains(GATEWAY_OFFLINE)).toList();
        int gatewayFaults = (int) deliveredAll.stream().filter(d -> d.contains(GATEWAY_OFFLINE)).distinct().count();
        Set<String> deliveredDistinct = new LinkedHashSet<>(delivered);
        int missing = (int) expected.stream().filter(e -> !deliveredDistinct.contains(e)).count();
        int unexpected = (int) deliveredDistinct.stream().filter(d -> !expected.contains(d)).count();
        return new Line(g.site(), sent.size(), sent.size() - notAcked, notAcked, copies, distinct.size(),
                stored == null ? -1 : sent.stream().filter(r -> stored.contains(RecordingUplink.key(r.getSensorId(),
                        r.getTimestampMs()))).count(), lost, gaps, outOfOrder, expected.size(), deliveredDistinct.size(),
                missing, unexpected, delivered.size(), gatewayFaults);
    }

    /** The transitions the script must produce: the leaking sensor's readings through the threshold, in time order. */
    static Set<String> expectedTransitions(AuditedFleet.Gateway g) {
        List<Reading> leaking = g.driver().produced().stream()
                .filter(r -> r.getSensorId().equals(ScriptedGasDriver.LEAKING))
                .sorted(Comparator.comparingLong(Reading::getTimestampMs)).toList();
        Set<String> expected = new LinkedHashSet<>();
        int activation = 0;
        boolean active = false;
        for (Reading r : leaking) {
            if (!active && r.getValue() > 25) {
                active = true;
                activation++;
                expected.add(alarmKey(g.site(), activation, AlarmState.ACTIVE_UNACKNOWLEDGED));
            } else if (active && r.getValue() <= 25) {
                active = false;
                expected.add(alarmKey(g.site(), activation, AlarmState.RETURNED_UNACKNOWLEDGED));
            }
        }
        return expected;
    }

    /** Expected alarm transitions of the fleet not (yet) on the alarms topic; reads only that topic. */
    static long alarmsMissing(AuditedFleet fleet, Deployment deployment) {
        Set<String> delivered = new HashSet<>();
        for (ConsumerRecord<String, byte[]> r : TopicSnapshot.read(deployment.bootstrap(), "alarms")) {
            try {
                RoutedAlarm alarm = AlarmEventCodec.routedFromProto(AlarmEvent.parseFrom(r.value()));
                delivered.add(alarm.alarmId() + " " + alarm.transition().state());
            } catch (Exception e) {
                throw new IllegalStateException("undecodable alarm record " + r, e);
            }
        }
        return fleet.gateways().stream().flatMap(g -> expectedTransitions(g).stream())
                .filter(e -> !delivered.contains(e)).count();
    }

    private static String alarmKey(String site, int activation, AlarmState state) {
        return site + "/" + ScriptedGasDriver.LEAKING + "/gas-high/" + activation + " " + state;
    }

    /** The readings of one site in the store, as {@code sensor@timestampMs}. */
    static Set<String> stored(Deployment deployment, String site) {
        String json = deployment.query("SELECT sensor, timestamp FROM reading WHERE site = '" + site
                + "' LIMIT 10000000");
        Set<String> keys = new HashSet<>();
        try {
            for (JsonNode row : JSON.readTree(json).path("dataset")) {
                keys.add(RecordingUplink.key(row.get(0).asText(), Instant.parse(row.get(1).asText()).toEpochMilli()));
            }
        } catch (Exception e) {
            throw new IllegalStateException("unexpected answer from the store: " + json, e);
        }
        return keys;
    }

    /** Readings of these sites now in the store. */
    static long storedCount(Deployment deployment, String sitePrefix) {
        String json = deployment.query("SELECT count() FROM reading WHERE site LIKE '" + sitePrefix + "-%'");
        try {
            return JSON.readTree(json).path("dataset").get(0).get(0).asLong();
        } catch (Exception e) {
            throw new IllegalStateException("unexpected answer from the store: " + json, e);
        }
    }

    List<Line> lines() {
        return lines;
    }

    Totals totals() {
        return new Totals(sum(Line::sent), sum(Line::acked), sum(Line::notAcked),
                lines.stream().mapToLong(l -> Math.max(0, l.stored())).sum(), sum(Line::lost),
                sum(Line::duplicatesInTopic), sum(Line::sequenceGaps), sum(Line::outOfOrder),
                (int) sum(l -> (long) l.alarmsExpected()), (int) sum(l -> (long) l.alarmsDelivered()),
                (int) sum(l -> (long) l.alarmsMissing()), (int) sum(l -> (long) l.alarmsUnexpected()),
                (int) sum(l -> (long) l.alarmCopies()), (int) sum(l -> (long) l.gatewayFaultTransitions()));
    }

    private long sum(java.util.function.ToLongFunction<Line> f) {
        return lines.stream().mapToLong(f).sum();
    }

    /** A table for the log and the report. */
    String table() {
        StringBuilder out = new StringBuilder(String.format("%-22s %7s %7s %6s %7s %7s %5s %5s %5s %9s %9s %7s%n",
                "site", "sent", "acked", "stored", "topic", "dup", "lost", "gaps", "order", "alarmsExp",
                "alarmsDel", "missing"));
        for (Line l : lines) {
            out.append(String.format("%-22s %7d %7d %6d %7d %7d %5d %5d %5d %9d %9d %7d%n", l.site(), l.sent(),
                    l.acked(), l.stored(), l.topicCopies(), l.duplicatesInTopic(), l.lost(), l.sequenceGaps(),
                    l.outOfOrder(), l.alarmsExpected(), l.alarmsDelivered(), l.alarmsMissing()));
        }
        return out.append("TOTAL ").append(totals()).toString();
    }
}
