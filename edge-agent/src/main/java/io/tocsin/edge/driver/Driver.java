package io.tocsin.edge.driver;

import io.tocsin.proto.v1.Reading;
import java.util.List;

/**
 * A field driver: whatever talks to detectors (Modbus, a serial line, a simulator) and turns their answers
 * into readings. The agent polls every driver on its schedule; one driver's trouble must show up as
 * bad-quality readings, never as an exception that stops the others.
 */
public interface Driver {

    /** Name for logs and metrics, e.g. "simulator" or "modbus-tcp:10.0.0.5". */
    String name();

    /** Reads every point of this driver once, stamping each reading with {@code nowMs}. */
    List<Reading> poll(long nowMs);
}
