package io.tocsin.standalone.faults;

import io.tocsin.edge.alarm.CoilWriter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The siren relay of a simulated gateway: remembers the coil state and when it was last switched on. (The real
 * relay over Modbus is exercised by edge-agent's LocalAlarmsTest against a j2mod slave; here the point is what
 * the gateway decides while its uplink is cut.)
 */
final class SirenRelay implements CoilWriter {

    private final AtomicBoolean on = new AtomicBoolean();
    private final AtomicLong switchedOnAtMs = new AtomicLong();
    private final AtomicLong switchedOn = new AtomicLong();

    @Override
    public CompletableFuture<Void> writeCoil(String device, int address, boolean value) {
        if (value && !on.getAndSet(true)) {
            switchedOnAtMs.set(System.currentTimeMillis());
            switchedOn.incrementAndGet();
        } else if (!value) {
            on.set(false);
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Wall-clock time of the last switch-on, 0 if never. */
    long switchedOnAtMs() {
        return switchedOnAtMs.get();
    }

    long timesSwitchedOn() {
        return switchedOn.get();
    }
}
