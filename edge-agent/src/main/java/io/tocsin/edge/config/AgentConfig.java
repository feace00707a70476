package io.tocsin.edge.config;

import io.tocsin.edge.alarm.AlarmOutput;
import io.tocsin.edge.driver.Driver;
import io.tocsin.edge.driver.modbus.ModbusDevice;
import io.tocsin.edge.driver.modbus.ModbusDriver;
import io.tocsin.edge.driver.modbus.ModbusPoint;
import io.tocsin.edge.driver.serial.LineRule;
import io.tocsin.edge.driver.serial.SerialLineDriver;
import io.tocsin.edge.driver.serial.SerialParity;
import io.tocsin.edge.driver.simulator.SimulatedGasDetector;
import io.tocsin.edge.uplink.CoapUplink;
import io.tocsin.edge.uplink.MqttUplink;
import io.tocsin.rules.config.RuleSet;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A validated agent configuration (see {@link AgentConfigReader} for the YAML).
 *
 * @param version     what the platform calls this configuration; reported on the status topic
 * @param localAlarms alarm rules evaluated on the gateway, and the relays they switch
 * @param metrics     where the Prometheus scrape endpoint listens, if anywhere
 */
public record AgentConfig(String siteId, String deviceId, Duration pollInterval, Path bufferFile, long bufferMaxBytes,
                          int batchMaxReadings, Duration batchMaxDelay, Uplink uplink, List<DriverSpec> drivers,
                          String version, Optional<LocalAlarmsSpec> localAlarms,
                          Optional<InetSocketAddress> metrics) {

    /** The version of a configuration that does not say. */
    public static final String UNVERSIONED = "unversioned";

    /**
     * Where batches go: MQTT ({@code tcp://}, {@code ssl://}, version 5 or 3.1.1) or CoAP ({@code coap://},
     * {@code coaps://}). With {@code remoteConfig} the agent takes configurations pushed on its config topic.
     */
    public record Uplink(String uri, MqttUplink.Protocol protocol, Duration ackTimeout, MqttUplink.Options mqtt,
                         Optional<CoapUplink.PreSharedKey> coapKey, boolean remoteConfig) {
        public boolean isCoap() {
            return uri.startsWith("coap://") || uri.startsWith("coaps://");
        }
    }

    /** Local alarms: the rule file ({@code source} as written in the config) and the relays to switch. */
    public record LocalAlarmsSpec(String source, RuleSet rules, List<AlarmOutput> outputs) {
    }

    /** One configured driver; {@link #create} makes it. */
    public sealed interface DriverSpec {
        Driver create(Clock clock);

        /** Human-readable lines, one per point, for {@code --check-config}. */
        List<String> describePoints();
    }

    public record SimulatorSpec(List<SimulatedSensor> sensors) implements DriverSpec {
        public record SimulatedSensor(String id, double baseline, double noise,
                                      Optional<SimulatedGasDetector.Leak> leak) {
        }

        @Override
        public Driver create(Clock clock) {
            List<Driver> detectors = new ArrayList<>();
            long start = clock.millis();
            for (SimulatedSensor s : sensors) {
                detectors.add(new SimulatedGasDetector(s.id(), s.baseline(), s.noise(), start, s.leak()));
            }
            return new CompositeDriver("simulator", detectors);
        }

        @Override
        public List<String> describePoints() {
            return sensors.stream().map(s -> "simulator  " + s.id() + "  baseline " + s.baseline() + " %LEL, noise "
                    + s.noise() + s.leak().map(l -> ", leak after " + l.after()).orElse("")).toList();
        }
    }

    public record ModbusTcpSpec(String host, int port, List<ModbusDevice> devices) implements DriverSpec {
        @Override
        public Driver create(Clock clock) {
            return ModbusDriver.tcp(host, port, devices, clock);
        }

        @Override
        public List<String> describePoints() {
            return describe("modbus-tcp " + host + ":" + port, devices);
        }
    }

    public record ModbusRtuSpec(String port, int baudRate, SerialParity parity, int stopBits,
                                List<ModbusDevice> devices) implements DriverSpec {
        @Override
        public Driver create(Clock clock) {
            return ModbusDriver.rtu(port, baudRate, parity, stopBits, devices, clock);
        }

        @Override
        public List<String> describePoints() {
            return describe("modbus-rtu " + port + " " + baudRate + " 8" + parity.name().charAt(0) + stopBits, devices);
        }
    }

    public record SerialLineSpec(SerialLineDriver.Settings settings, List<LineRule> rules) implements DriverSpec {
        @Override
        public Driver create(Clock clock) {
            return new SerialLineDriver(settings, rules, clock);
        }

        @Override
        public List<String> describePoints() {
            return rules.stream().map(r -> "serial " + settings.port() + " (" + settings.charset() + ")  "
                    + r.sensor() + "  " + r.event().map(e -> "event " + e.name().toLowerCase()).orElse("reading "
                    + r.unit()) + "  /" + r.match().pattern() + "/").toList();
        }
    }

    private static List<String> describe(String bus, List<ModbusDevice> devices) {
        List<String> lines = new ArrayList<>();
        for (ModbusDevice d : devices) {
            for (ModbusPoint p : d.points()) {
                lines.add(String.format("%s unit %d (%s, every %d ms)  %s  %s@%d %s%s%s  x%s %+f %s", bus, d.unitId(),
                        d.name(), d.pollInterval().toMillis(), p.sensorId(), p.table().name().toLowerCase(), p.address(),
                        p.type().name().toLowerCase(), p.type().registers() > 1 ? " " + p.byteOrder() : "",
                        p.type() == io.tocsin.edge.driver.modbus.ModbusDataType.BIT ? " bit " + p.bit() : "",
                        p.scale(), p.offset(), p.unit()));
            }
        }
        return lines;
    }

    /** Several drivers polled as one (the simulator's sensors). */
    static final class CompositeDriver implements Driver {
        private final String name;
        private final List<Driver> parts;

        CompositeDriver(String name, List<Driver> parts) {
            this.name = name;
            this.parts = List.copyOf(parts);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<io.tocsin.proto.v1.Reading> poll(long nowMs) {
            List<io.tocsin.proto.v1.Reading> all = new ArrayList<>();
            for (Driver d : parts) {
                all.addAll(d.poll(nowMs));
            }
            return all;
        }
    }
}
