package io.tocsin.jobs.timeseries;

/**
 * One sensor's GOOD readings over one minute of event time.
 *
 * @param windowStartMs start of the minute, epoch ms
 * @param last          the value of the reading with the latest timestamp
 */
public record ReadingRollup(String siteId, String sensorId, long windowStartMs, double min, double max, double mean,
        double last, long count) {
}
