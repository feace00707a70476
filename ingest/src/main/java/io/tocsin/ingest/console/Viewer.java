package io.tocsin.ingest.console;

import io.tocsin.ingest.auth.Identity;

import java.util.Objects;
import java.util.Set;

/**
 * Who looks at a console, and so what it may see: a station sees the sites it covers and the alarms routed to it
 * by name (escalations from neighbours); the control room and an unrestricted identity see every site.
 *
 * @param name     the station name (the actor of its commands)
 * @param sites    the sites it covers
 * @param allSites whether it sees every site
 */
public record Viewer(String name, Set<String> sites, boolean allSites) {

    public Viewer {
        Objects.requireNonNull(name, "name");
        sites = Set.copyOf(sites);
    }

    /** The viewer of a logged-in identity; {@code controlRoom} names the station that sees everything. */
    public static Viewer of(Identity identity, String controlRoom) {
        return switch (identity.kind()) {
            case UNRESTRICTED -> new Viewer(identity.name(), Set.of(), true);
            case STATION -> new Viewer(identity.name(), identity.sites(), identity.name().equals(controlRoom));
            case DEVICE -> throw new IllegalArgumentException("a device does not use the console: " + identity);
        };
    }

    /** The same rights under another name (a console without credential registry: anyone, by the name given). */
    Viewer renamed(String newName) {
        return new Viewer(newName, sites, allSites);
    }

    public boolean coversSite(String siteId) {
        return allSites || sites.contains(siteId);
    }
}
