package io.tocsin.rules.lifecycle;

/**
 * What a site allows operators to do with its alarms.
 *
 * @param allowShelvingRed whether RED alarms (fire, second-level gas) may be shelved at all; off by
 *                         default, because a shelved fire alarm is a fire nobody sees
 * @param maxShelveMs      longest shelve an operator may ask for
 */
public record SitePolicy(boolean allowShelvingRed, long maxShelveMs) {

    public SitePolicy {
        if (maxShelveMs <= 0) {
            throw new IllegalArgumentException("maxShelveMs must be > 0");
        }
    }

    /** RED may not be shelved; at most 8 hours (one shift). */
    public static final SitePolicy DEFAULT = new SitePolicy(false, 8 * 3_600_000L);
}
