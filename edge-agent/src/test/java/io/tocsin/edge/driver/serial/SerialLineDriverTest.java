package io.tocsin.edge.driver.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tocsin.rules.events.FieldEvent;
import io.tocsin.edge.driver.Events;
import io.tocsin.edge.testing.SocatPtyPair;
import io.tocsin.proto.v1.Reading;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The raw serial line driver through jSerialComm on one end of a socat pty pair; the test is the panel. */
class SerialLineDriverTest {

    private static final Charset GBK = Charset.forName("GBK");

    @TempDir
    Path dir;

    private static final List<LineRule> PANEL_RULES = List.of(
            LineRule.event("火警\\s*(?<zone>\\d+)区", "zone-{zone}", FieldEvent.FIRE, true),
            LineRule.event("故障\\s*(?<zone>\\d+)区", "zone-{zone}", FieldEvent.FAULT, true),
            LineRule.event("复位", "panel", FieldEvent.RESET, true),
            LineRule.reading("CH4=(?<value>[0-9.]+)", "gas-{value}", "%LEL"));

    @Test
    void gbkPanelLinesBecomeEventsEvenWhenALineArrivesInTwoReads() throws Exception {
        try (SocatPtyPair cable = new SocatPtyPair(dir);
             SerialLineDriver driver = new SerialLineDriver(new SerialLineDriver.Settings(cable.b(), 9600,
                     SerialParity.NONE, 1, GBK, "\r\n".getBytes(StandardCharsets.US_ASCII), 0), PANEL_RULES,
                     Clock.systemUTC());
             OutputStream panel = Files.newOutputStream(Path.of(cable.a()))) {
            driver.start();
            List<Reading> collected = new ArrayList<>();

            panel.write("2026-11-29 08:00:01 火警 003区 感烟探测器\r\n".getBytes(GBK));
            panel.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> collected.addAll(driver.poll(0)) || !collected.isEmpty());

            // A line split in the middle of a two-byte GBK character, across two reads.
            byte[] fault = "2026-11-29 08:00:02 故障 012区 线路开路\r\n".getBytes(GBK);
            int cut = Arrays.asList(toObjects(fault)).indexOf((byte) 0xB9) + 1; // first byte of 故 (0xB9CA)
            long before = driver.bytesReceived();
            panel.write(fault, 0, cut);
            panel.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> driver.bytesReceived() >= before + cut);
            assertThat(driver.poll(0)).as("nothing until the line is complete").isEmpty();
            panel.write(fault, cut, fault.length - cut);
            panel.write("08:00:03 系统复位\r\n".getBytes(GBK));
            panel.write("乱码 unmatched\r\n".getBytes(GBK));
            panel.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                collected.addAll(driver.poll(0));
                return collected.size() >= 3 && driver.unmatchedLines() == 1;
            });

            assertThat(collected).extracting(Reading::getSensorId).containsExactly("zone-003", "zone-012", "panel");
            assertThat(collected).extracting(r -> Events.kindOf(r).orElseThrow())
                    .containsExactly(FieldEvent.FIRE, FieldEvent.FAULT, FieldEvent.RESET);
            assertThat(collected).allSatisfy(r -> assertThat(r.getValue()).isEqualTo(1.0));
        }
    }

    @Test
    void fixedLengthUtf8FramesFromAGasHeadBecomeReadings() throws Exception {
        List<LineRule> rules = List.of(LineRule.reading("^(?<id>G\\d)(?<value>\\d{3}\\.\\d)", "gas-{id}", "%LEL"));
        try (SocatPtyPair cable = new SocatPtyPair(dir);
             SerialLineDriver driver = new SerialLineDriver(new SerialLineDriver.Settings(cable.b(), 9600,
                     SerialParity.NONE, 1, StandardCharsets.UTF_8, null, 8), rules, Clock.systemUTC());
             OutputStream head = Files.newOutputStream(Path.of(cable.a()))) {
            driver.start();
            head.write("G1012.5;G2100.0;G1".getBytes(StandardCharsets.US_ASCII));
            head.flush();
            head.write("013.0;".getBytes(StandardCharsets.US_ASCII));
            head.flush();
            List<Reading> collected = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                collected.addAll(driver.poll(0));
                return collected.size() >= 3;
            });
            assertThat(collected).extracting(Reading::getSensorId).containsExactly("gas-G1", "gas-G2", "gas-G1");
            assertThat(collected).extracting(Reading::getValue).containsExactly(12.5, 100.0, 13.0);
        }
    }

    private static Byte[] toObjects(byte[] bytes) {
        Byte[] boxed = new Byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            boxed[i] = bytes[i];
        }
        return boxed;
    }
}
