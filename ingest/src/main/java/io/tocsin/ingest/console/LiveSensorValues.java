package io.tocsin.ingest.console;

import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The control-room view's memory: per sensor the latest reading and a short trend (the last {@code trendPoints}
 * values), bounded to {@code maxSensors} sensors — the console is a window on the live stream, not a store (the
 * time series live in the time-series store). Confined to the console's event loop.
 *
 * <p>Sensors that changed since the last {@link #drainChanged()} are remembered, so that control rooms get one
 * batched update per interval however fast the readings arrive.
 */
final class LiveSensorValues {

    /** One sensor's latest reading and trend, oldest first. */
    record Sensor(String siteId, String deviceId, String sensorId, double value, String unit, Quality quality,
                  long timestampMs, double[] trend) {
    }

    private static final class Track {
        final String siteId;
        final String sensorId;
        String deviceId;
        double value;
        String unit = "";
        Quality quality = Quality.QUALITY_UNSPECIFIED;
        long timestampMs = Long.MIN_VALUE;
        final double[] ring;
        int next;
        int count;
        /** In {@code changed} already. */
        boolean dirty;

        Track(String siteId, String sensorId, int points) {
            this.siteId = siteId;
            this.sensorId = sensorId;
            this.ring = new double[points];
        }

        Sensor snapshot() {
            double[] trend = new double[count];
            int start = (next - count + ring.length) % ring.length;
            for (int i = 0; i < count; i++) {
                trend[i] = ring[(start + i) % ring.length];
            }
            return new Sensor(siteId, deviceId, sensorId, value, unit, quality, timestampMs, trend);
        }
    }

    private final int trendPoints;
    private final int maxSensors;
    /** site → sensor → track; sorted so tiles keep their places. */
    private final Map<String, Map<String, Track>> bySite = new TreeMap<>();
    /** site → sensor → track again, hashed: a look-up per reading, the city's every reading (the sorted maps
     * compared strings all the way down). */
    private final Map<String, Map<String, Track>> lookup = new HashMap<>();
    private final List<Track> changed = new ArrayList<>();
    private int sensors;
    private long ignored;

    LiveSensorValues(int trendPoints, int maxSensors) {
        this.trendPoints = trendPoints;
        this.maxSensors = maxSensors;
    }

    /** Takes the readings of a batch; returns how many readings were ignored because the bound was reached. */
    int add(TelemetryBatch batch) {
        int dropped = 0;
        String siteId = batch.getSiteId();
        Map<String, Track> site = lookup.get(siteId);
        for (Reading reading : batch.getReadingsList()) {
            Track track = site == null ? null : site.get(reading.getSensorId());
            if (track == null) {
                if (sensors >= maxSensors) {
                    dropped++;
                    continue;
                }
                if (site == null) {
                    site = lookup.computeIfAbsent(siteId, s -> new HashMap<>());
                }
                track = new Track(siteId, reading.getSensorId(), trendPoints);
                site.put(reading.getSensorId(), track);
                bySite.computeIfAbsent(siteId, s -> new TreeMap<>()).put(reading.getSensorId(), track);
                sensors++;
            }
            if (reading.getTimestampMs() < track.timestampMs) {
                continue; // a late resend from a gateway's buffer: the tile shows the newest reading
            }
            // Strings replaced only when they change: a decoded batch's strings are new objects, and a tile that
            // kept them would make the garbage collector copy every reading's (the tiles outlive the readings).
            if (!batch.getDeviceId().equals(track.deviceId)) {
                track.deviceId = batch.getDeviceId();
            }
            if (!reading.getUnit().equals(track.unit)) {
                track.unit = reading.getUnit();
            }
            track.value = reading.getValue();
            track.quality = reading.getQuality();
            track.timestampMs = reading.getTimestampMs();
            track.ring[track.next] = reading.getValue();
            track.next = (track.next + 1) % track.ring.length;
            track.count = Math.min(track.count + 1, track.ring.length);
            if (!track.dirty) {
                track.dirty = true;
                changed.add(track);
            }
        }
        ignored += dropped;
        return dropped;
    }

    /** Every sensor of the sites the viewer covers. */
    List<Sensor> visibleTo(Viewer viewer) {
        List<Sensor> result = new ArrayList<>();
        bySite.forEach((siteId, tracks) -> {
            if (viewer.coversSite(siteId)) {
                tracks.values().forEach(track -> result.add(track.snapshot()));
            }
        });
        return result;
    }

    /**
     * The sensors of the wanted sites that changed since the last call, and forgets every change: a sensor nobody
     * watches is not copied (at city load, most are not).
     */
    List<Sensor> drainChanged(Predicate<String> wantedSite) {
        List<Sensor> result = new ArrayList<>();
        for (Track track : changed) {
            track.dirty = false;
            if (wantedSite.test(track.siteId)) {
                result.add(track.snapshot());
            }
        }
        changed.clear();
        return result;
    }

    Set<String> siteIds() {
        return bySite.keySet();
    }

    int sensors() {
        return sensors;
    }

    long ignoredReadings() {
        return ignored;
    }

    /** For tests: a copy of the sites and their sensor ids. */
    Map<String, List<String>> layout() {
        Map<String, List<String>> layout = new HashMap<>();
        bySite.forEach((site, tracks) -> layout.put(site, List.copyOf(tracks.keySet())));
        return layout;
    }
}
