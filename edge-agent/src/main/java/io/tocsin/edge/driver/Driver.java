package io.tocsin.edge.driver;

import io.tocsin.proto.v1.Reading;
import java.util.List;

/**
 * A field driver: whatever talks to detectors (Modbus, a serial line, a simulator) and turns their answers
 * into readings. The agent calls {@link #poll} on its own tick; one driver's trouble must show up as
 * bad-quality readings or status events, never as an exception that stops the others, and never as a
 * call that blocks the agent.
 *
 * <p>Drivers that talk to slow field buses (Modbus, serial lines) run their own threads between
 * {@link #start()} and {@link #close()} and return from {@code poll} what they gathered since the previous
 * call; the simulator computes its readings inside {@code poll}. Events (fire, fault, a device going
 * offline) are readings built by {@link Events}.
 */
public interface Driver extends AutoCloseable {

    /** Name for logs and metrics, e.g. "simulator" or "modbus-tcp:10.0.0.5". */
    String name();

    /**
     * Readings and events since the previous call, oldest first; readings a driver computes on demand
     * are stamped with {@code nowMs}.
     */
    List<Reading> poll(long nowMs);

    /** Starts the driver's own threads, if it has any. */
    default void start() {
    }

    @Override
    default void close() {
    }
}
