package io.tocsin.jobs.registry;

import io.tocsin.rules.RuleCommon;
import io.tocsin.rules.Severity;
import io.tocsin.rules.voting.VotingRule;
import java.util.List;
import java.util.Objects;

/**
 * Detectors that watch one area: {@code requiredVotes} of them in alarm confirm the zone alarm.
 *
 * @param faultVotesAlarm a faulty or silent detector counts as voting alarm (see {@link VotingRule})
 */
public record ZoneEntry(String zoneId, List<String> sensorIds, int requiredVotes, Severity severity,
        boolean faultVotesAlarm, long onDelayMs, long offDelayMs) {

    /** The rule id of every zone alarm: its alarm id is {@code site/zone/zone-vote/activation}. */
    public static final String RULE_ID = "zone-vote";

    public ZoneEntry {
        Objects.requireNonNull(zoneId, "zoneId");
        Objects.requireNonNull(severity, "severity");
        sensorIds = List.copyOf(sensorIds);
        if (requiredVotes < 1 || requiredVotes > sensorIds.size()) {
            throw new IllegalArgumentException("zone " + zoneId + " needs between 1 and " + sensorIds.size()
                    + " votes (its number of sensors), not " + requiredVotes);
        }
    }

    public VotingRule votingRule() {
        return new VotingRule(RuleCommon.of(RULE_ID, severity).withDelays(onDelayMs, offDelayMs), requiredVotes,
                faultVotesAlarm);
    }
}
