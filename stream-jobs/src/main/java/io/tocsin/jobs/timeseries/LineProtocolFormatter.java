package io.tocsin.jobs.timeseries;

import java.io.Serializable;

/** Turns one element into one line of InfluxDB line protocol (time in milliseconds). */
@FunctionalInterface
public interface LineProtocolFormatter<T> extends Serializable {

    String toLine(T element);
}
