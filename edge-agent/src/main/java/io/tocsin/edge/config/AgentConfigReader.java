package io.tocsin.edge.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.tocsin.edge.alarm.AlarmOutput;
import io.tocsin.rules.events.FieldEvent;
import io.tocsin.edge.driver.modbus.ModbusByteOrder;
import io.tocsin.edge.driver.modbus.ModbusDataType;
import io.tocsin.edge.driver.modbus.ModbusDevice;
import io.tocsin.edge.driver.modbus.ModbusPoint;
import io.tocsin.edge.driver.modbus.ModbusTable;
import io.tocsin.edge.driver.serial.LineRule;
import io.tocsin.edge.driver.serial.SerialLineDriver;
import io.tocsin.edge.driver.serial.SerialParity;
import io.tocsin.edge.driver.simulator.SimulatedGasDetector;
import io.tocsin.edge.uplink.CoapUplink;
import io.tocsin.edge.uplink.MqttUplink;
import io.tocsin.proto.MqttTopics;
import io.tocsin.rules.Severity;
import io.tocsin.rules.config.RuleFileException;
import io.tocsin.rules.config.RuleFileLoader;
import io.tocsin.rules.config.RuleSet;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads and validates the agent's YAML (see {@code edge-agent/examples/}). Every problem is collected, not
 * just the first, and each names the file, the line, the key and how to fix it:
 * {@code agent.yaml:14: drivers[0].devices[0].points[2].type: unknown type 'float'. Fix: use one of int16,
 * uint16, int32, uint32, int64, float32, float64, bit, bool}.
 *
 * <p>Secrets (MQTT password, DTLS key) are read from files named in the config, never written in it, so that
 * the config can be shown and versioned.
 */
public final class AgentConfigReader {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);

    private final YamlDocument doc;
    private final Path baseDir;
    private final List<String> problems = new ArrayList<>();

    private AgentConfigReader(YamlDocument doc, Path baseDir) {
        this.doc = doc;
        this.baseDir = baseDir;
    }

    /** Reads {@code file}; throws with every problem found. Relative paths in it are relative to its folder. */
    public static AgentConfig read(Path file) throws ConfigException {
        YamlDocument doc;
        try {
            doc = YamlDocument.read(file);
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read as YAML: " + e.getMessage()
                    + ". Fix: check the file exists and is valid YAML (indentation with spaces, quotes around"
                    + " regexes)"));
        }
        Path dir = file.toAbsolutePath().getParent();
        return validate(doc, dir == null ? Path.of(".") : dir);
    }

    /**
     * Reads a configuration that is not a file, e.g. one pushed by the platform; {@code name} says where it
     * came from in every problem, relative paths in it are relative to {@code baseDir}.
     */
    public static AgentConfig parse(String name, String yaml, Path baseDir) throws ConfigException {
        YamlDocument doc;
        try {
            doc = YamlDocument.parse(name, yaml);
        } catch (IOException e) {
            throw new ConfigException(List.of(name + ": not valid YAML: " + e.getMessage()
                    + ". Fix: send the agent YAML (as in edge-agent/examples/), indented with spaces"));
        }
        return validate(doc, baseDir);
    }

    private static AgentConfig validate(YamlDocument doc, Path baseDir) throws ConfigException {
        AgentConfigReader reader = new AgentConfigReader(doc, baseDir);
        AgentConfig config = reader.agent();
        if (!reader.problems.isEmpty()) {
            throw new ConfigException(reader.problems);
        }
        return config;
    }

    private void problem(String path, String what, String fix) {
        problems.add(doc.name + ":" + doc.lineOf(path) + ": " + path + ": " + what + ". Fix: " + fix);
    }

    private AgentConfig agent() {
        JsonNode root = doc.root;
        if (root == null || !root.isObject()) {
            problem("", "the file is empty or not a mapping", "start from edge-agent/examples/agent-simulator.yaml");
            return null;
        }
        allowOnly(root, "", "version", "site", "device", "poll-interval", "buffer", "batching", "uplink", "drivers",
                "local-alarms", "metrics");
        String version = text(root, "version", "version", AgentConfig.UNVERSIONED);
        String site = idLevel(root, "site");
        String device = idLevel(root, "device");
        Duration poll = duration(root, "poll-interval", Duration.ofSeconds(1));
        JsonNode buffer = object(root, "buffer", true);
        Path bufferFile = null;
        long maxBytes = 256L << 20;
        if (buffer != null) {
            allowOnly(buffer, "buffer", "file", "max-size");
            String f = text(buffer, "buffer.file", "file", null);
            if (f == null) {
                problem("buffer.file", "missing", "set the buffer file on persistent storage, e.g."
                        + " /var/lib/tocsin-edge/buffer.db (not /tmp: it must survive a reboot)");
            }
            bufferFile = f == null ? null : Path.of(f);
            maxBytes = size(buffer, "buffer.max-size", "max-size", maxBytes);
        }
        JsonNode batching = object(root, "batching", false);
        int maxReadings = 1_000;
        Duration maxDelay = Duration.ZERO;
        if (batching != null) {
            allowOnly(batching, "batching", "max-readings", "max-delay");
            maxReadings = integer(batching, "batching.max-readings", "max-readings", maxReadings, 1, 100_000);
            maxDelay = durationAt(batching, "batching.max-delay", "max-delay", maxDelay);
        }
        AgentConfig.Uplink uplink = uplink(object(root, "uplink", true), site, device);
        List<AgentConfig.DriverSpec> drivers = new ArrayList<>();
        JsonNode list = root.get("drivers");
        if (list == null || !list.isArray() || list.isEmpty()) {
            problem("drivers", "no drivers", "add a list of drivers (type: simulator, modbus-tcp, modbus-rtu, serial-line)");
        } else {
            for (int i = 0; i < list.size(); i++) {
                AgentConfig.DriverSpec spec = driver(list.get(i), "drivers[" + i + "]");
                if (spec != null) {
                    drivers.add(spec);
                }
            }
        }
        Set<String> sensors = new HashSet<>();
        for (AgentConfig.DriverSpec spec : drivers) {
            for (String sensor : sensorIds(spec)) {
                if (!sensors.add(sensor)) {
                    problem("drivers", "sensor id '" + sensor + "' is used twice",
                            "give every point a sensor id unique within the site");
                }
            }
        }
        Optional<AgentConfig.LocalAlarmsSpec> localAlarms = localAlarms(object(root, "local-alarms", false), drivers);
        Optional<java.net.InetSocketAddress> metrics = metrics(object(root, "metrics", false));
        return new AgentConfig(site, device, poll, bufferFile, maxBytes, maxReadings, maxDelay, uplink, drivers,
                version, localAlarms, metrics);
    }

    private Optional<AgentConfig.LocalAlarmsSpec> localAlarms(JsonNode node, List<AgentConfig.DriverSpec> drivers) {
        if (node == null) {
            return Optional.empty();
        }
        allowOnly(node, "local-alarms", "rules", "outputs");
        String rulesFile = text(node, "local-alarms.rules", "rules", null);
        RuleSet rules = null;
        if (rulesFile == null) {
            problem("local-alarms.rules", "missing", "name the alarm-rules YAML file (relative to this file), or"
                    + " 'default' for the sample rules shipped with the agent");
        } else if (rulesFile.equals("default")) {
            rules = RuleFileLoader.loadDefault();
        } else {
            Path path = baseDir.resolve(rulesFile);
            try {
                rules = RuleFileLoader.load(path);
            } catch (RuleFileException e) {
                for (String ruleProblem : e.problems()) {
                    problem("local-alarms.rules", "rule file " + ruleProblem,
                            "correct the rule file (format: alarm-rules' rules/default-rules.yaml)");
                }
            } catch (java.io.UncheckedIOException e) {
                problem("local-alarms.rules", "cannot read rule file " + path + " (" + e.getCause().getMessage() + ")",
                        "check the path (relative to this file) and that the agent's user may read it");
            }
        }
        Set<String> coilDevices = new HashSet<>();
        for (AgentConfig.DriverSpec spec : drivers) {
            List<ModbusDevice> devices = spec instanceof AgentConfig.ModbusTcpSpec t ? t.devices()
                    : spec instanceof AgentConfig.ModbusRtuSpec r ? r.devices() : List.of();
            devices.forEach(d -> coilDevices.add(d.name()));
        }
        List<AlarmOutput> outputs = new ArrayList<>();
        JsonNode list = node.get("outputs");
        if (list != null) {
            if (!list.isArray()) {
                problem("local-alarms.outputs", "not a list", "write each output as '- name: siren ...'");
            } else {
                for (int i = 0; i < list.size(); i++) {
                    AlarmOutput output = alarmOutput(list.get(i), "local-alarms.outputs[" + i + "]", coilDevices);
                    if (output != null) {
                        outputs.add(output);
                    }
                }
            }
        }
        return rules == null ? Optional.empty()
                : Optional.of(new AgentConfig.LocalAlarmsSpec(rulesFile, rules, outputs));
    }

    private AlarmOutput alarmOutput(JsonNode n, String p, Set<String> coilDevices) {
        if (!n.isObject()) {
            problem(p, "not a mapping", "write name, severities and/or rules, device and coil");
            return null;
        }
        allowOnly(n, p, "name", "severities", "rules", "device", "coil");
        String name = required(n, p, "name");
        String device = required(n, p, "device");
        int coil = integer(n, p + ".coil", "coil", -1, 0, 65535);
        if (!n.has("coil")) {
            problem(p + ".coil", "missing", "set the zero-based address of the relay's coil");
        }
        if (device != null && !coilDevices.contains(device)) {
            problem(p + ".device", "no Modbus device named '" + device + "'",
                    "use the name of a device under a modbus-tcp or modbus-rtu driver: " + coilDevices);
        }
        Set<Severity> severities = new HashSet<>();
        for (String s : strings(n, p + ".severities", "severities")) {
            try {
                severities.add(Severity.valueOf(s.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                problem(p + ".severities", "unknown severity '" + s + "'", "use RED, ORANGE, YELLOW or BLUE");
            }
        }
        Set<String> ruleIds = new HashSet<>(strings(n, p + ".rules", "rules"));
        if (severities.isEmpty() && ruleIds.isEmpty()) {
            problem(p, "the output follows no alarm", "add severities: [RED] and/or rules: [gas-high-2]");
            return null;
        }
        if (name == null || device == null || coil < 0) {
            return null;
        }
        return new AlarmOutput(name, severities, ruleIds, device, coil);
    }

    private List<String> strings(JsonNode node, String path, String key) {
        JsonNode value = node.get(key);
        if (value == null) {
            return List.of();
        }
        if (!value.isArray()) {
            problem(path, "not a list", "write " + key + ": [A, B]");
            return List.of();
        }
        List<String> result = new ArrayList<>();
        value.forEach(v -> result.add(v.asText()));
        return result;
    }

    private Optional<java.net.InetSocketAddress> metrics(JsonNode node) {
        if (node == null) {
            return Optional.empty();
        }
        allowOnly(node, "metrics", "port", "bind");
        int port = integer(node, "metrics.port", "port", 9464, 0, 65535);
        String bind = text(node, "metrics.bind", "bind", "127.0.0.1");
        return Optional.of(new java.net.InetSocketAddress(bind, port));
    }

    private static List<String> sensorIds(AgentConfig.DriverSpec spec) {
        if (spec instanceof AgentConfig.SimulatorSpec s) {
            return s.sensors().stream().map(AgentConfig.SimulatorSpec.SimulatedSensor::id).toList();
        }
        List<ModbusDevice> devices = spec instanceof AgentConfig.ModbusTcpSpec t ? t.devices()
                : spec instanceof AgentConfig.ModbusRtuSpec r ? r.devices() : List.of();
        // serial-line sensor ids come from the printed lines, they cannot be checked here
        return devices.stream().flatMap(d -> d.points().stream()).map(ModbusPoint::sensorId).toList();
    }

    private AgentConfig.Uplink uplink(JsonNode node, String site, String device) {
        if (node == null) {
            return null;
        }
        allowOnly(node, "uplink", "uri", "protocol", "ack-timeout", "username", "password-file", "ca-certificate",
                "client-keystore", "client-keystore-password-file", "status-topic", "remote-config", "psk-identity",
                "psk-secret-file");
        String uri = text(node, "uplink.uri", "uri", null);
        if (uri == null) {
            problem("uplink.uri", "missing", "set the platform address, e.g. tcp://platform:1883, ssl://platform:8883,"
                    + " coap://platform:5683 or coaps://platform:5684");
            return null;
        }
        if (!uri.matches("(tcp|ssl|coap|coaps)://.+")) {
            problem("uplink.uri", "'" + uri + "' has an unknown scheme", "use tcp://, ssl://, coap:// or coaps://");
        }
        Duration ackTimeout = durationAt(node, "uplink.ack-timeout", "ack-timeout", Duration.ofSeconds(10));
        MqttUplink.Protocol protocol = choice(node, "uplink.protocol", "protocol", MqttUplink.Protocol.class,
                MqttUplink.Protocol.MQTT5);
        JsonNode remote = node.get("remote-config");
        boolean remoteConfig = remote == null || remote.asBoolean(true);
        MqttUplink.Options options = MqttUplink.Options.defaults();
        String user = text(node, "uplink.username", "username", null);
        if (user != null) {
            String passwordFile = text(node, "uplink.password-file", "password-file", null);
            char[] password = passwordFile == null ? new char[0] : secret("uplink.password-file", passwordFile);
            options = options.withCredentials(user, password);
        }
        String ca = text(node, "uplink.ca-certificate", "ca-certificate", null);
        if (ca != null) {
            existing("uplink.ca-certificate", ca);
            Optional<Path> keystore = Optional.ofNullable(text(node, "uplink.client-keystore", "client-keystore", null))
                    .map(p -> existing("uplink.client-keystore", p));
            Optional<char[]> keystorePassword = Optional.ofNullable(text(node, "uplink.client-keystore-password-file",
                    "client-keystore-password-file", null)).map(f -> secret("uplink.client-keystore-password-file", f));
            options = options.withTls(Path.of(ca), keystore, keystorePassword);
        } else if (uri.startsWith("ssl://")) {
            problem("uplink.ca-certificate", "ssl:// without a CA certificate",
                    "set ca-certificate to the PEM file of the platform's certificate authority");
        }
        JsonNode status = node.get("status-topic");
        if (site != null && device != null && (status == null || status.asBoolean(true))) {
            options = options.withStatusTopic(MqttUplink.statusTopic(site, device));
        }
        Optional<CoapUplink.PreSharedKey> psk = Optional.empty();
        if (uri.startsWith("coaps://")) {
            String identity = text(node, "uplink.psk-identity", "psk-identity", null);
            String secretFile = text(node, "uplink.psk-secret-file", "psk-secret-file", null);
            if (identity == null || secretFile == null) {
                problem("uplink", "coaps:// needs psk-identity and psk-secret-file",
                        "add both (the identity and key the platform knows this gateway by)");
            } else {
                psk = Optional.of(new CoapUplink.PreSharedKey(identity,
                        new String(secret("uplink.psk-secret-file", secretFile)).getBytes(StandardCharsets.UTF_8)));
            }
        }
        return new AgentConfig.Uplink(uri, protocol == null ? MqttUplink.Protocol.MQTT5 : protocol, ackTimeout,
                options, psk, remoteConfig && !uri.startsWith("coap"));
    }

    private AgentConfig.DriverSpec driver(JsonNode node, String path) {
        if (!node.isObject()) {
            problem(path, "not a mapping", "write each driver as 'type: ...' with its settings");
            return null;
        }
        String type = text(node, path + ".type", "type", null);
        if (type == null) {
            problem(path + ".type", "missing", "set type to simulator, modbus-tcp, modbus-rtu or serial-line");
            return null;
        }
        switch (type) {
            case "simulator" -> {
                allowOnly(node, path, "type", "sensors");
                List<AgentConfig.SimulatorSpec.SimulatedSensor> sensors = new ArrayList<>();
                forEach(node, path, "sensors", (n, p) -> {
                    allowOnly(n, p, "id", "baseline", "noise", "leak-after", "leak-rise-per-second", "leak-peak",
                            "leak-hold");
                    Optional<SimulatedGasDetector.Leak> leak = Optional.empty();
                    if (n.has("leak-after")) {
                        leak = Optional.of(new SimulatedGasDetector.Leak(durationAt(n, p + ".leak-after", "leak-after",
                                Duration.ZERO), number(n, p + ".leak-rise-per-second", "leak-rise-per-second", 5),
                                number(n, p + ".leak-peak", "leak-peak", 60),
                                durationAt(n, p + ".leak-hold", "leak-hold", Duration.ofSeconds(30))));
                    }
                    sensors.add(new AgentConfig.SimulatorSpec.SimulatedSensor(required(n, p, "id"),
                            number(n, p + ".baseline", "baseline", 1), number(n, p + ".noise", "noise", 0.5), leak));
                });
                return new AgentConfig.SimulatorSpec(sensors);
            }
            case "modbus-tcp" -> {
                allowOnly(node, path, "type", "host", "port", "devices");
                String host = required(node, path, "host");
                int port = integer(node, path + ".port", "port", 502, 1, 65535);
                return new AgentConfig.ModbusTcpSpec(host, port, modbusDevices(node, path));
            }
            case "modbus-rtu" -> {
                allowOnly(node, path, "type", "port", "baud", "parity", "stop-bits", "devices");
                String port = required(node, path, "port");
                int baud = integer(node, path + ".baud", "baud", 9600, 300, 921_600);
                SerialParity parity = choice(node, path + ".parity", "parity", SerialParity.class, SerialParity.NONE);
                int stopBits = integer(node, path + ".stop-bits", "stop-bits", 1, 1, 2);
                return new AgentConfig.ModbusRtuSpec(port, baud, parity, stopBits, modbusDevices(node, path));
            }
            case "serial-line" -> {
                allowOnly(node, path, "type", "port", "baud", "parity", "stop-bits", "encoding", "terminator",
                        "fixed-length", "rules");
                String port = required(node, path, "port");
                int baud = integer(node, path + ".baud", "baud", 9600, 300, 921_600);
                SerialParity parity = choice(node, path + ".parity", "parity", SerialParity.class, SerialParity.NONE);
                int stopBits = integer(node, path + ".stop-bits", "stop-bits", 1, 1, 2);
                Charset charset = StandardCharsets.US_ASCII;
                String encoding = text(node, path + ".encoding", "encoding", "ASCII");
                try {
                    charset = Charset.forName(encoding);
                } catch (RuntimeException e) {
                    problem(path + ".encoding", "unknown encoding '" + encoding + "'",
                            "use ASCII, UTF-8, GBK or GB18030");
                }
                int fixedLength = integer(node, path + ".fixed-length", "fixed-length", 0, 0, 4096);
                String terminator = text(node, path + ".terminator", "terminator", fixedLength > 0 ? null : "\r\n");
                if ((terminator == null || terminator.isEmpty()) == (fixedLength == 0)) {
                    problem(path + ".terminator", "set exactly one of terminator and fixed-length",
                            "terminator: \"\\r\\n\" for line-printing panels, or fixed-length: N for fixed frames");
                    return null;
                }
                List<LineRule> rules = new ArrayList<>();
                forEach(node, path, "rules", (n, p) -> {
                    LineRule rule = lineRule(n, p);
                    if (rule != null) {
                        rules.add(rule);
                    }
                });
                return new AgentConfig.SerialLineSpec(new SerialLineDriver.Settings(port, baud, parity, stopBits,
                        charset, terminator == null ? null : terminator.getBytes(StandardCharsets.US_ASCII),
                        fixedLength), rules);
            }
            default -> {
                problem(path + ".type", "unknown driver type '" + type + "'",
                        "use simulator, modbus-tcp, modbus-rtu or serial-line");
                return null;
            }
        }
    }

    private LineRule lineRule(JsonNode n, String p) {
        allowOnly(n, p, "match", "sensor", "event", "active", "unit", "scale");
        String regex = required(n, p, "match");
        String sensor = required(n, p, "sensor");
        if (regex == null || sensor == null) {
            return null;
        }
        Pattern pattern;
        try {
            pattern = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            problem(p + ".match", "not a valid regex: " + e.getDescription(),
                    "fix the Java regex; quote it with single quotes in YAML");
            return null;
        }
        Optional<FieldEvent> event = n.has("event")
                ? Optional.ofNullable(choice(n, p + ".event", "event", FieldEvent.class, null)) : Optional.empty();
        Matcher placeholders = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]*)}").matcher(sensor);
        while (placeholders.find()) {
            if (!regex.contains("(?<" + placeholders.group(1) + ">")) {
                problem(p + ".sensor", "placeholder {" + placeholders.group(1) + "} has no named group in match",
                        "add (?<" + placeholders.group(1) + ">...) to the regex or remove the placeholder");
            }
        }
        if (event.isEmpty() && !regex.contains("(?<value>")) {
            problem(p + ".match", "a reading rule needs a named group 'value'",
                    "add (?<value>[0-9.]+) around the number, or set event: fire/fault/reset");
        }
        return new LineRule(pattern, sensor, event, !n.has("active") || n.get("active").asBoolean(),
                text(n, p + ".unit", "unit", ""), number(n, p + ".scale", "scale", 1));
    }

    private List<ModbusDevice> modbusDevices(JsonNode node, String path) {
        List<ModbusDevice> devices = new ArrayList<>();
        forEach(node, path, "devices", (d, dp) -> {
            allowOnly(d, dp, "name", "unit-id", "poll-interval", "timeout", "retries", "retry-backoff", "points");
            String name = required(d, dp, "name");
            int unitId = integer(d, dp + ".unit-id", "unit-id", 1, 0, 255);
            Duration poll = durationAt(d, dp + ".poll-interval", "poll-interval", Duration.ofSeconds(1));
            Duration timeout = durationAt(d, dp + ".timeout", "timeout", Duration.ofMillis(500));
            int retries = integer(d, dp + ".retries", "retries", 2, 0, 10);
            Duration backoff = durationAt(d, dp + ".retry-backoff", "retry-backoff", Duration.ofMillis(100));
            List<ModbusPoint> points = new ArrayList<>();
            forEach(d, dp, "points", (pt, pp) -> {
                ModbusPoint point = modbusPoint(pt, pp);
                if (point != null) {
                    points.add(point);
                }
            });
            if (name != null) {
                devices.add(new ModbusDevice(name, unitId, poll, timeout, retries, backoff, points));
            }
        });
        return devices;
    }

    private ModbusPoint modbusPoint(JsonNode n, String p) {
        allowOnly(n, p, "sensor", "table", "address", "type", "byte-order", "bit", "scale", "offset", "unit");
        String sensor = required(n, p, "sensor");
        ModbusTable table = choice(n, p + ".table", "table", ModbusTable.class, ModbusTable.HOLDING_REGISTER);
        int address = integer(n, p + ".address", "address", -1, 0, 65535);
        ModbusDataType type = choice(n, p + ".type", "type", ModbusDataType.class,
                table != null && table.isBits() ? ModbusDataType.BOOL : ModbusDataType.UINT16);
        ModbusByteOrder order = choice(n, p + ".byte-order", "byte-order", ModbusByteOrder.class, ModbusByteOrder.ABCD);
        int bit = integer(n, p + ".bit", "bit", 0, 0, 15);
        if (sensor == null || table == null || type == null || order == null || address < 0) {
            if (address < 0 && !n.has("address")) {
                problem(p + ".address", "missing", "set the zero-based register address (40001 in a manual is 0)");
            }
            return null;
        }
        try {
            return new ModbusPoint(sensor, table, address, type, order, bit, number(n, p + ".scale", "scale", 1),
                    number(n, p + ".offset", "offset", 0), text(n, p + ".unit", "unit", ""));
        } catch (IllegalArgumentException e) {
            problem(p, e.getMessage(), "coils and discrete inputs are type bool; registers take the numeric types");
            return null;
        }
    }

    // --- small typed accessors that record problems instead of throwing ---

    private interface Each {
        void accept(JsonNode node, String path);
    }

    private void forEach(JsonNode parent, String path, String key, Each each) {
        JsonNode list = parent.get(key);
        if (list == null || !list.isArray() || list.isEmpty()) {
            problem(path + "." + key, "missing or empty", "add a list under " + key);
            return;
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            String itemPath = path + "." + key + "[" + i + "]";
            if (!item.isObject()) {
                problem(itemPath, "not a mapping", "write each entry as key: value lines");
                continue;
            }
            each.accept(item, itemPath);
        }
    }

    private void allowOnly(JsonNode node, String path, String... keys) {
        Set<String> allowed = Set.of(keys);
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                String at = path.isEmpty() ? name : path + "." + name;
                problem(at, "unknown key", "remove it or use one of " + String.join(", ", keys));
            }
        }
    }

    private JsonNode object(JsonNode parent, String key, boolean required) {
        JsonNode node = parent.get(key);
        if (node == null) {
            if (required) {
                problem(key, "missing", "add a '" + key + ":' section (see edge-agent/examples/)");
            }
            return null;
        }
        if (!node.isObject()) {
            problem(key, "not a mapping", "indent its settings under '" + key + ":'");
            return null;
        }
        return node;
    }

    private String idLevel(JsonNode root, String key) {
        String value = text(root, key, key, null);
        if (value == null) {
            problem(key, "missing", "set " + key + " to the id the platform knows (e.g. park-1, gw-1)");
        } else if (!MqttTopics.isLevel(value)) {
            problem(key, "'" + value + "' contains '/', '+' or '#'", "use letters, digits, '-' and '_'");
            return null;
        }
        return value;
    }

    private String required(JsonNode node, String path, String key) {
        String value = text(node, path + "." + key, key, null);
        if (value == null || value.isBlank()) {
            problem(path + "." + key, "missing", "set " + key);
            return null;
        }
        return value;
    }

    private String text(JsonNode node, String path, String key, String fallback) {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isValueNode()) {
            problem(path, "expected a single value", "write " + key + ": value");
            return fallback;
        }
        return value.asText();
    }

    private double number(JsonNode node, String path, String key, double fallback) {
        JsonNode value = node.get(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isNumber()) {
            problem(path, "'" + value.asText() + "' is not a number", "write a number like 0.1");
            return fallback;
        }
        return value.asDouble();
    }

    private int integer(JsonNode node, String path, String key, int fallback, int min, int max) {
        JsonNode value = node.get(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isIntegralNumber() || value.asLong() < min || value.asLong() > max) {
            problem(path, "'" + value.asText() + "' is not a whole number from " + min + " to " + max,
                    "write a whole number in that range");
            return fallback;
        }
        return value.asInt();
    }

    private Duration duration(JsonNode node, String key, Duration fallback) {
        return durationAt(node, key, key, fallback);
    }

    private Duration durationAt(JsonNode node, String path, String key, Duration fallback) {
        String text = text(node, path, key, null);
        if (text == null) {
            return fallback;
        }
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            problem(path, "'" + text + "' is not a duration", "write a number with a unit: 500ms, 1s, 5m, 1h");
            return fallback;
        }
        try {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        } catch (NumberFormatException | ArithmeticException e) { // more digits than a duration can hold
            problem(path, "'" + text + "' is too long a duration", "write a number with a unit: 500ms, 1s, 5m, 1h");
            return fallback;
        }
    }

    private long size(JsonNode node, String path, String key, long fallback) {
        String text = text(node, path, key, null);
        if (text == null) {
            return fallback;
        }
        Matcher m = SIZE.matcher(text.trim());
        boolean matches = m.matches();
        long n = 0;
        if (matches) {
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                n = -1; // more digits than a size can hold
            }
        }
        String unit = matches && m.group(2) != null ? m.group(2).toUpperCase(Locale.ROOT) : "B";
        int shift = switch (unit) {
            case "KB" -> 10;
            case "MB" -> 20;
            case "GB" -> 30;
            default -> 0;
        };
        if (n <= 0 || n > Long.MAX_VALUE >> shift) {
            problem(path, "'" + text + "' is not a size", "write a positive size such as 512MB or 2GB");
            return fallback;
        }
        return n << shift;
    }

    private <E extends Enum<E>> E choice(JsonNode node, String path, String key, Class<E> type, E fallback) {
        String text = text(node, path, key, null);
        if (text == null) {
            return fallback;
        }
        Function<E, String> spelled = e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-');
        for (E e : type.getEnumConstants()) {
            if (spelled.apply(e).equalsIgnoreCase(text.trim()) || e.name().equalsIgnoreCase(text.trim())) {
                return e;
            }
        }
        problem(path, "unknown " + key + " '" + text + "'", "use one of " + String.join(", ",
                Arrays.stream(type.getEnumConstants()).map(spelled).toList()));
        return null;
    }

    private Path existing(String path, String file) {
        Path p = Path.of(file);
        if (!Files.isReadable(p)) {
            problem(path, "file " + file + " cannot be read", "check the path and that the agent's user may read it");
        }
        return p;
    }

    private char[] secret(String path, String file) {
        Path p = existing(path, file);
        try {
            return Files.readString(p).strip().toCharArray();
        } catch (IOException e) {
            return new char[0]; // already reported by existing()
        }
    }
}
