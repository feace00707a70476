package io.tocsin.edge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tocsin.edge.driver.modbus.ModbusByteOrder;
import io.tocsin.edge.driver.modbus.ModbusDataType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AgentConfigReaderTest {

    @TempDir
    Path dir;

    static Stream<Path> examples() throws IOException {
        return Files.list(Path.of("examples")).filter(p -> p.toString().endsWith(".yaml")).sorted();
    }

    /** The shipped examples name secret files that exist only on a gateway: give them stand-ins. */
    private Path withSecretsHere(Path example) throws IOException {
        String text = Files.readString(example);
        for (String secret : new String[] {"/etc/tocsin-edge/platform-ca.pem", "/etc/tocsin-edge/gw-tank-farm.p12",
                "/etc/tocsin-edge/p12.pass", "/etc/tocsin-edge/mqtt.pass", "/etc/tocsin-edge/psk.secret"}) {
            Path standIn = dir.resolve(Path.of(secret).getFileName());
            Files.writeString(standIn, "secret");
            text = text.replace(secret, standIn.toString());
        }
        Path copy = dir.resolve(example.getFileName());
        Files.writeString(copy, text);
        return copy;
    }

    @ParameterizedTest
    @MethodSource("examples")
    void everyShippedExampleIsValid(Path example) throws Exception {
        AgentConfig config = AgentConfigReader.read(withSecretsHere(example));
        assertThat(config.drivers()).isNotEmpty();
    }

    @Test
    void theModbusExampleResolvesTypesOrdersAndTheStatusTopic() throws Exception {
        AgentConfig config = AgentConfigReader.read(withSecretsHere(Path.of("examples/agent-modbus-tcp.yaml")));
        AgentConfig.ModbusTcpSpec tcp = (AgentConfig.ModbusTcpSpec) config.drivers().get(0);
        assertThat(tcp.devices().get(0).points().get(0).type()).isEqualTo(ModbusDataType.FLOAT32);
        assertThat(tcp.devices().get(0).points().get(0).byteOrder()).isEqualTo(ModbusByteOrder.CDAB);
        assertThat(tcp.devices().get(1).points().get(0).type()).isEqualTo(ModbusDataType.BOOL);
        assertThat(config.uplink().mqtt().statusTopic()).contains("tocsin/v1/status/park-1/gw-tank-farm");
    }

    @Test
    void everyProblemNamesFileLineKeyAndFix() throws Exception {
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, String.join("\n",
                "site: park/1",
                "device: gw-1",
                "poll-interval: often",
                "buffer:",
                "  file: /tmp/b.db",
                "uplink:",
                "  uri: http://platform",
                "drivers:",
                "  - type: modbus-tcp",
                "    host: 10.0.0.5",
                "    devices:",
                "      - name: plc",
                "        points:",
                "          - sensor: gas-01",
                "            address: 0",
                "            type: float",
                "          - sensor: gas-01",
                "            table: coil",
                "            address: 3",
                "            colour: red",
                ""));

        assertThatThrownBy(() -> AgentConfigReader.read(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.problems()).containsExactlyInAnyOrder(
                        "broken.yaml:1: site: 'park/1' contains '/', '+' or '#'. Fix: use letters, digits, '-' and '_'",
                        "broken.yaml:3: poll-interval: 'often' is not a duration. Fix: write a number with a unit:"
                                + " 500ms, 1s, 5m, 1h",
                        "broken.yaml:7: uplink.uri: 'http://platform' has an unknown scheme. Fix: use tcp://, ssl://,"
                                + " coap:// or coaps://",
                        "broken.yaml:16: drivers[0].devices[0].points[0].type: unknown type 'float'. Fix: use one of"
                                + " bool, int16, uint16, int32, uint32, int64, float32, float64, bit",
                        "broken.yaml:20: drivers[0].devices[0].points[1].colour: unknown key. Fix: remove it or use one"
                                + " of sensor, table, address, type, byte-order, bit, scale, offset, unit"));
    }

    @Test
    void aDurationOrSizeTooLongForItsTypeIsAProblemNotACrash() throws Exception {
        // Found by AgentConfigFuzzTest: 85 digits made Long.parseLong throw out of the reader.
        Path file = dir.resolve("huge.yaml");
        Files.writeString(file, String.join("\n",
                "site: park-1",
                "device: gw-1",
                "poll-interval: 11111111111111111111111111111111111111111111111111111111111111111111111111111111111130s",
                "buffer:",
                "  file: /tmp/b.db",
                "  max-size: 99999999999GB",
                "uplink:",
                "  uri: tcp://platform:1883",
                "batching:",
                "  max-delay: 9223372036854775807h",
                ""));

        assertThatThrownBy(() -> AgentConfigReader.read(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.problems()).contains( // and "no drivers", beside the point here
                        "huge.yaml:3: poll-interval: '11111111111111111111111111111111111111111111111111111111111111111"
                                + "111111111111111111130s' is too long a duration. Fix: write a number with a unit:"
                                + " 500ms, 1s, 5m, 1h",
                        "huge.yaml:6: buffer.max-size: '99999999999GB' is not a size. Fix: write a positive size such"
                                + " as 512MB or 2GB",
                        "huge.yaml:10: batching.max-delay: '9223372036854775807h' is too long a duration. Fix: write a"
                                + " number with a unit: 500ms, 1s, 5m, 1h"));
    }

    @Test
    void checkConfigPrintsTheResolvedPoints() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = io.tocsin.edge.EdgeAgentMainAccess.check(withSecretsHere(Path.of("examples/agent-modbus-rtu.yaml")),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("modbus-rtu /dev/ttyUSB0 9600 8N1 unit 1 (head-1, every 2000 ms)  wh-gas-01  holding_register@0 int16")
                .contains("wh-gas-01-fault  holding_register@1 bit bit 15")
                .contains("3 point(s)");
    }

    @Test
    void localAlarmProblemsNameTheOutputAndTheRuleFile() throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, "version: \"r1\"\nsensorTypes:\n  gas:\n    match: [\"gas-*\"]\n    rules:\n"
                + "      - id: gas-high\n        preset: no-such-preset\n");
        Path file = dir.resolve("alarms.yaml");
        Files.writeString(file, String.join("\n",
                "site: park-1",
                "device: gw-1",
                "buffer:",
                "  file: /tmp/b.db",
                "uplink:",
                "  uri: tcp://platform:1883",
                "  protocol: mqtt4",
                "local-alarms:",
                "  rules: rules.yaml",
                "  outputs:",
                "    - name: siren",
                "      severities: [PURPLE]",
                "      device: siren-relay",
                "      coil: 0",
                "drivers:",
                "  - type: simulator",
                "    sensors:",
                "      - id: gas-01",
                ""));

        assertThatThrownBy(() -> AgentConfigReader.read(file)).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.problems()).contains(
                    "alarms.yaml:7: uplink.protocol: unknown protocol 'mqtt4'. Fix: use one of mqtt5, mqtt3",
                    "alarms.yaml:13: local-alarms.outputs[0].device: no Modbus device named 'siren-relay'. Fix: use the"
                            + " name of a device under a modbus-tcp or modbus-rtu driver: []",
                    "alarms.yaml:12: local-alarms.outputs[0].severities: unknown severity 'PURPLE'. Fix: use RED,"
                            + " ORANGE, YELLOW or BLUE");
            assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("alarms.yaml:9: local-alarms.rules: rule"
                    + " file ").contains("rules.yaml").contains("no-such-preset"));
        });
    }

    @Test
    void thePushedFormOfAConfigurationIsValidatedLikeAFile() {
        assertThatThrownBy(() -> AgentConfigReader.parse("pushed config tocsin/v1/config/park-1/gw-1",
                "site: park-1\ndevice: gw-1\nbuffer:\n  file: /tmp/b.db\nuplink:\n  uri: tcp://p:1883\n"
                        + "drivers:\n  - type: simulator\n    sensors:\n      - id: gas-01\n        noise: lots\n",
                dir)).isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactly(
                "pushed config tocsin/v1/config/park-1/gw-1:11: drivers[0].sensors[0].noise: 'lots' is not a number."
                        + " Fix: write a number like 0.1"));
    }
}
