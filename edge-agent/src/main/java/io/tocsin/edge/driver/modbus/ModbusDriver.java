package io.tocsin.edge.driver.modbus;

import com.ghgande.j2mod.modbus.facade.AbstractModbusMaster;
import com.ghgande.j2mod.modbus.facade.ModbusSerialMaster;
import com.ghgande.j2mod.modbus.facade.ModbusTCPMaster;
import com.ghgande.j2mod.modbus.procimg.InputRegister;
import com.ghgande.j2mod.modbus.util.BitVector;
import com.ghgande.j2mod.modbus.util.SerialParameters;
import io.tocsin.edge.driver.Driver;
import io.tocsin.rules.events.FieldEvent;
import io.tocsin.edge.driver.Events;
import io.tocsin.edge.driver.serial.SerialParity;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Modbus master on one bus: one TCP endpoint (a PLC, or a gateway with several unit ids behind it) or one
 * RS-485 port in RTU mode, with the devices on it. Uses j2mod (master and slave, TCP and RTU over
 * jSerialComm, in one small library with no further dependencies; its slave is what the tests talk to).
 *
 * <p>One thread per bus, because a bus carries one request at a time. Each device is scheduled on its own
 * poll interval; a failed read is retried after a back-off during which the bus serves the other devices;
 * after {@code retries} failures the device is offline: its points are reported with bad quality, an
 * {@code event:offline} is emitted once, and it is then tried only once per (growing, at most 60 s)
 * interval, so a dead device costs the bus one timeout per interval instead of stalling it.
 */
public final class ModbusDriver implements Driver {

    private static final Logger log = LoggerFactory.getLogger(ModbusDriver.class);
    private static final Duration MAX_OFFLINE_INTERVAL = Duration.ofSeconds(60);
    private static final int MAX_QUEUED_READINGS = 100_000;

    /** What the agent sees of a device. */
    public enum DeviceStatus { UNKNOWN, ONLINE, OFFLINE }

    private final String name;
    private final Supplier<AbstractModbusMaster> masterFactory;
    private final List<ModbusDevice> devices;
    private final Clock clock;
    private final boolean reconnectAfterFailure;
    private final Map<String, DeviceState> states = new LinkedHashMap<>();
    private final Deque<Reading> gathered = new ArrayDeque<>();
    private ScheduledExecutorService bus;
    private AbstractModbusMaster master;
    private long overflowed;

    private static final class DeviceState {
        final ModbusDevice device;
        final List<ModbusReadPlan.Request> plan;
        volatile DeviceStatus status = DeviceStatus.UNKNOWN;
        int failures;
        int offlineAttempts;

        DeviceState(ModbusDevice device) {
            this.device = device;
            this.plan = ModbusReadPlan.of(device.points());
        }
    }

    /**
     * @param reconnectAfterFailure true for TCP (a timed-out connection may be half dead); false for RTU,
     *                              where j2mod clears the input before each request and reopening the port
     *                              would cost more bus time than the failed request itself
     */
    public ModbusDriver(String name, Supplier<AbstractModbusMaster> masterFactory, boolean reconnectAfterFailure,
                        List<ModbusDevice> devices, Clock clock) {
        this.name = name;
        this.reconnectAfterFailure = reconnectAfterFailure;
        this.masterFactory = masterFactory;
        this.devices = List.copyOf(devices);
        this.clock = clock;
        for (ModbusDevice device : devices) {
            if (states.put(device.name(), new DeviceState(device)) != null) {
                throw new IllegalArgumentException(name + ": two devices named " + device.name());
            }
        }
    }

    /** Modbus TCP to {@code host:port}. */
    public static ModbusDriver tcp(String host, int port, List<ModbusDevice> devices, Clock clock) {
        return new ModbusDriver("modbus-tcp:" + host + ":" + port,
                () -> new ModbusTCPMaster(host, port, 1_000, false), true, devices, clock);
    }

    /** Modbus RTU on serial port {@code portPath} (e.g. /dev/ttyUSB0), 8 data bits. */
    public static ModbusDriver rtu(String portPath, int baudRate, SerialParity parity, int stopBits,
                                   List<ModbusDevice> devices, Clock clock) {
        return new ModbusDriver("modbus-rtu:" + portPath, () -> {
            SerialParameters parameters = new SerialParameters(portPath, baudRate, 0, 0, 8, stopBits,
                    parity.jSerialCommCode(), false);
            parameters.setEncoding("rtu");
            return new ModbusSerialMaster(parameters);
        }, false, devices, clock);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized void start() {
        if (bus != null) {
            return;
        }
        bus = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "modbus-" + name);
            t.setDaemon(true);
            return t;
        });
        for (DeviceState state : states.values()) {
            bus.execute(() -> pollDevice(state));
        }
    }

    @Override
    public List<Reading> poll(long nowMs) {
        synchronized (gathered) {
            List<Reading> readings = new ArrayList<>(gathered);
            gathered.clear();
            return readings;
        }
    }

    /** Whether this driver polls a device of that name (outputs of local alarms are found by device name). */
    public boolean hasDevice(String deviceName) {
        return states.containsKey(deviceName);
    }

    /** Status of every device, by name, in configuration order (for metrics). */
    public Map<String, DeviceStatus> statuses() {
        Map<String, DeviceStatus> all = new LinkedHashMap<>();
        states.forEach((deviceName, state) -> all.put(deviceName, state.status));
        return all;
    }

    public DeviceStatus status(String deviceName) {
        DeviceState state = states.get(deviceName);
        if (state == null) {
            throw new IllegalArgumentException(name + " has no device " + deviceName);
        }
        return state.status;
    }

    /**
     * Writes a coil (a siren or strobe relay) on the bus thread, between polls. The future fails if the
     * device did not confirm the write.
     */
    public CompletableFuture<Void> writeCoil(String deviceName, int address, boolean on) {
        DeviceState state = states.get(deviceName);
        if (state == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(name + " has no device " + deviceName));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        ScheduledExecutorService executor = bus;
        if (executor == null) {
            return CompletableFuture.failedFuture(new IllegalStateException(name + " is not running"));
        }
        try {
            executor.execute(() -> {
                try {
                    AbstractModbusMaster m = connectedMaster(state.device);
                    m.writeCoil(state.device.unitId(), address, on);
                    done.complete(null);
                } catch (Exception e) {
                    disconnect();
                    done.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            done.completeExceptionally(new IllegalStateException(name + " is closed", e));
        }
        return done;
    }

    private void pollDevice(DeviceState state) {
        ModbusDevice device = state.device;
        long delayMs;
        long startedNs = System.nanoTime();
        try {
            List<Reading> readings = readAll(state);
            log.trace("Modbus device {} read in {} ms", device.name(), (System.nanoTime() - startedNs) / 1_000_000);
            long now = clock.millis();
            List<Reading> out = new ArrayList<>(readings.size() + 1);
            if (state.status == DeviceStatus.OFFLINE) {
                log.info("Modbus device {} on {} answers again", device.name(), name);
                out.add(Events.event(device.name(), FieldEvent.ONLINE, now, true));
            }
            out.addAll(readings);
            emit(out);
            state.status = DeviceStatus.ONLINE;
            state.failures = 0;
            state.offlineAttempts = 0;
            delayMs = device.pollInterval().toMillis();
        } catch (Exception e) {
            if (reconnectAfterFailure) {
                disconnect(); // drops a half-dead TCP connection
            }
            state.failures++;
            log.trace("Modbus device {} failed after {} ms", device.name(), (System.nanoTime() - startedNs) / 1_000_000);
            if (state.status != DeviceStatus.OFFLINE && state.failures <= device.retries()) {
                delayMs = device.retryBackoff().toMillis() << Math.min(16, state.failures - 1);
                log.debug("Modbus device {} on {}: attempt {} failed ({}), retrying in {} ms", device.name(), name,
                        state.failures, e.toString(), delayMs);
            } else {
                long now = clock.millis();
                List<Reading> out = new ArrayList<>();
                if (state.status != DeviceStatus.OFFLINE) {
                    log.warn("Modbus device {} (unit {}) on {} stopped answering: {}", device.name(), device.unitId(),
                            name, e.toString());
                    out.add(Events.event(device.name(), FieldEvent.OFFLINE, now, true));
                    state.status = DeviceStatus.OFFLINE;
                }
                for (ModbusPoint point : device.points()) {
                    out.add(Reading.newBuilder().setSensorId(point.sensorId()).setTimestampMs(now)
                            .setValue(Double.NaN).setQuality(Quality.QUALITY_BAD).setUnit(point.unit()).build());
                }
                emit(out);
                state.offlineAttempts++;
                delayMs = Math.min(MAX_OFFLINE_INTERVAL.toMillis(),
                        device.pollInterval().toMillis() << Math.min(16, state.offlineAttempts));
            }
        }
        ScheduledExecutorService executor = bus;
        if (executor != null && !executor.isShutdown()) {
            executor.schedule(() -> pollDevice(state), delayMs, TimeUnit.MILLISECONDS);
        }
    }

    private List<Reading> readAll(DeviceState state) throws Exception {
        ModbusDevice device = state.device;
        AbstractModbusMaster m = connectedMaster(device);
        List<Reading> readings = new ArrayList<>(device.points().size());
        for (ModbusReadPlan.Request request : state.plan) {
            int unit = device.unitId();
            long now;
            switch (request.table()) {
                case COIL, DISCRETE_INPUT -> {
                    BitVector bits = request.table() == ModbusTable.COIL
                            ? m.readCoils(unit, request.start(), request.count())
                            : m.readInputDiscretes(unit, request.start(), request.count());
                    now = clock.millis();
                    for (ModbusPoint point : request.points()) {
                        readings.add(good(point, now,
                                ModbusDecoder.decodeBit(point, bits.getBit(point.address() - request.start()))));
                    }
                }
                default -> {
                    InputRegister[] registers = request.table() == ModbusTable.HOLDING_REGISTER
                            ? m.readMultipleRegisters(unit, request.start(), request.count())
                            : m.readInputRegisters(unit, request.start(), request.count());
                    now = clock.millis();
                    if (registers.length < request.count()) {
                        throw new IllegalStateException("asked " + request.count() + " registers, got "
                                + registers.length);
                    }
                    int[] words = new int[registers.length];
                    for (int i = 0; i < registers.length; i++) {
                        words[i] = registers[i].toUnsignedShort();
                    }
                    for (ModbusPoint point : request.points()) {
                        readings.add(good(point, now,
                                ModbusDecoder.decodeRegisters(point, words, point.address() - request.start())));
                    }
                }
            }
        }
        return readings;
    }

    private static Reading good(ModbusPoint point, long now, double value) {
        return Reading.newBuilder().setSensorId(point.sensorId()).setTimestampMs(now).setValue(value)
                .setQuality(Quality.QUALITY_GOOD).setUnit(point.unit()).build();
    }

    private AbstractModbusMaster connectedMaster(ModbusDevice device) throws Exception {
        if (master == null) {
            master = masterFactory.get();
        }
        if (!master.isConnected()) {
            master.connect();
        }
        // After connect, which creates the transaction (with j2mod's default of 5 tries): one try here, our
        // own retries with back-off let the bus serve the other devices in between.
        master.setRetries(0);
        // After connect, and on the transport as well: j2mod's serial transport otherwise keeps its default
        // 3 s read timeout, and a dead RTU device would hold the bus that long per attempt.
        int timeoutMs = (int) device.timeout().toMillis();
        master.setTimeout(timeoutMs);
        if (master.getTransport() != null) {
            master.getTransport().setTimeout(timeoutMs);
        }
        return master;
    }

    private void disconnect() {
        if (master != null) {
            try {
                master.disconnect();
            } catch (RuntimeException e) {
                log.debug("Modbus {} did not disconnect cleanly", name, e);
            }
            master = null;
        }
    }

    private void emit(List<Reading> readings) {
        synchronized (gathered) {
            gathered.addAll(readings);
            // The agent drains every tick; this bound only matters if it stopped doing so.
            while (gathered.size() > MAX_QUEUED_READINGS) {
                gathered.removeFirst();
                overflowed++;
            }
        }
    }

    /** Readings discarded because nobody drained the driver. */
    public long overflowedReadings() {
        synchronized (gathered) {
            return overflowed;
        }
    }

    @Override
    public synchronized void close() {
        if (bus == null) {
            return;
        }
        bus.shutdownNow();
        try {
            bus.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        disconnect();
        bus = null;
    }

    List<ModbusDevice> devices() {
        return devices;
    }
}
