package io.tocsin.jobs.registry;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tocsin.proto.v1.Contact;
import io.tocsin.proto.v1.RegistryRecord;
import io.tocsin.proto.v1.RiskLevel;
import io.tocsin.proto.v1.RuleFile;
import io.tocsin.proto.v1.Site;
import io.tocsin.proto.v1.Zone;
import io.tocsin.rules.Severity;
import java.util.ArrayList;
import java.util.List;

/** Between the registry topic's protobuf records and the job's {@link SiteEntry}. */
public final class RegistryCodec {

    private RegistryCodec() {
    }

    public static RegistryEntry siteRecord(SiteEntry site) {
        return new RegistryEntry(RegistryEntry.siteKey(site.siteId()),
                RegistryRecord.newBuilder().setSite(toProto(site)).build().toByteArray());
    }

    public static RegistryEntry rulesRecord(String name, String yaml) {
        return new RegistryEntry(RegistryEntry.RULES_KEY, RegistryRecord.newBuilder()
                .setRuleFile(RuleFile.newBuilder().setName(name).setYaml(yaml)).build().toByteArray());
    }

    public static RegistryRecord parse(byte[] value) throws InvalidProtocolBufferException {
        return RegistryRecord.parseFrom(value);
    }

    public static Site toProto(SiteEntry s) {
        Site.Builder b = Site.newBuilder().setSiteId(s.siteId()).setName(s.name())
                .setRiskLevel(riskLevel(s.riskLevel()))
                .addAllStationIds(s.stationIds()).addAllEscalationStationIds(s.escalationStationIds())
                .setVersion(s.version());
        for (ZoneEntry z : s.zones()) {
            b.addZones(Zone.newBuilder().setZoneId(z.zoneId()).addAllSensorIds(z.sensorIds())
                    .setRequiredVotes(z.requiredVotes()).setSeverity(severity(z.severity()))
                    .setFaultVotesAlarm(z.faultVotesAlarm()).setOnDelayMs(z.onDelayMs())
                    .setOffDelayMs(z.offDelayMs()));
        }
        for (String c : s.contacts()) {
            b.addContacts(Contact.newBuilder().setName(c));
        }
        return b.build();
    }

    /** @throws IllegalArgumentException for a site without id or a zone that cannot be voted */
    public static SiteEntry fromProto(Site s) {
        if (s.getSiteId().isEmpty()) {
            throw new IllegalArgumentException("site without site_id");
        }
        List<ZoneEntry> zones = new ArrayList<>();
        for (Zone z : s.getZonesList()) {
            zones.add(new ZoneEntry(z.getZoneId(), z.getSensorIdsList(), z.getRequiredVotes(),
                    severity(z.getSeverity()), z.getFaultVotesAlarm(), z.getOnDelayMs(), z.getOffDelayMs()));
        }
        List<String> contacts = new ArrayList<>();
        for (Contact c : s.getContactsList()) {
            contacts.add(String.join(", ", List.of(c.getName(), c.getRole(), c.getPhone()).stream()
                    .filter(x -> !x.isEmpty()).toList()));
        }
        String risk = s.getRiskLevel() == RiskLevel.UNRECOGNIZED ? "UNSPECIFIED"
                : s.getRiskLevel().name().substring("RISK_LEVEL_".length());
        return new SiteEntry(s.getSiteId(), s.getName(), risk, s.getStationIdsList(),
                s.getEscalationStationIdsList(), zones, contacts, s.getVersion());
    }

    static RiskLevel riskLevel(String level) {
        try {
            return RiskLevel.valueOf("RISK_LEVEL_" + level);
        } catch (IllegalArgumentException e) {
            return RiskLevel.RISK_LEVEL_UNSPECIFIED;
        }
    }

    static io.tocsin.proto.v1.Severity severity(Severity s) {
        return switch (s) {
            case RED -> io.tocsin.proto.v1.Severity.SEVERITY_RED;
            case ORANGE -> io.tocsin.proto.v1.Severity.SEVERITY_ORANGE;
            case YELLOW -> io.tocsin.proto.v1.Severity.SEVERITY_YELLOW;
            case BLUE -> io.tocsin.proto.v1.Severity.SEVERITY_BLUE;
        };
    }

    /** An unspecified zone severity is RED: a confirmed zone alarm is a fire-station matter unless said otherwise. */
    static Severity severity(io.tocsin.proto.v1.Severity s) {
        return switch (s) {
            case SEVERITY_ORANGE -> Severity.ORANGE;
            case SEVERITY_YELLOW -> Severity.YELLOW;
            case SEVERITY_BLUE -> Severity.BLUE;
            case SEVERITY_RED, SEVERITY_UNSPECIFIED, UNRECOGNIZED -> Severity.RED;
        };
    }
}
