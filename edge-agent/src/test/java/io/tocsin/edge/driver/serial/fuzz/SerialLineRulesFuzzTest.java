package io.tocsin.edge.driver.serial.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tocsin.rules.events.FieldEvent;
import io.tocsin.edge.driver.serial.LineFramer;
import io.tocsin.edge.driver.serial.LineRule;
import io.tocsin.proto.v1.Reading;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.Charset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Any frame a panel prints, decoded as GBK, through the rules of edge-agent/examples/agent-serial-line.yaml (and a
 * looser number rule): a rule either matches and yields a reading whose sensor id is filled in, or does not
 * match. The driver survives a rule that throws a RuntimeException (it logs and tries the next rule), but not an
 * Error: a StackOverflowError from a regex would end its reader thread for good. So the rules run on a thread
 * with the JVM's default stack, like the port's reader thread (the test's main thread has a far bigger one).
 *
 * <p>Finding: the number rule below, {@code (\d|\.)+}, overflowed the stack on a line of 2,000 digits (a noisy
 * line or a wrong baud rate prints such lines); LineRule now reports that as an IllegalArgumentException.
 */
class SerialLineRulesFuzzTest {

    private static final Charset GBK = Charset.forName("GBK");
    private static final List<LineRule> RULES = List.of(
            LineRule.event("火警\\s*(?<zone>\\d+)区", "zone-{zone}", FieldEvent.FIRE, true),
            LineRule.event("故障\\s*(?<zone>\\d+)区", "zone-{zone}", FieldEvent.FAULT, true),
            LineRule.event("复位", "panel", FieldEvent.RESET, true),
            LineRule.reading("CO=(?<value>[0-9.]+)ppm", "co-01", "ppm"),
            LineRule.reading("T(?<ch>\\d+)=(?<value>(-|\\+)?(\\d|\\.)+)", "temp-{ch}", "degC"));

    private static final ExecutorService READER = Executors.newSingleThreadExecutor();

    @AfterAll
    static void stopReader() {
        READER.shutdownNow();
    }

    @FuzzTest(maxDuration = "10s")
    @DictionaryEntries({"火警", "故障", "复位", "区", "CO=", "ppm", "T1="})
    void anyPrintedLineMatchesOrNot(FuzzedDataProvider data) throws Exception {
        byte[] frame = data.consumeBytes(LineFramer.MAX_FRAME_BYTES);
        String line = new String(frame, GBK);
        onReaderThread(line);
    }

    @Test
    void aRegexTooDeepForALongLineIsARuleFailureNotAnError() throws Exception {
        String longNumber = "T1=" + "1".repeat(LineFramer.MAX_FRAME_BYTES - 3);
        onReaderThread(longNumber);
        Future<?> deep = READER.submit(() -> RULES.get(4).apply(longNumber, 1_000L));
        assertThatThrownBy(deep::get).hasCauseInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("recursed too deep");
    }

    @Test
    void aRegexThatBacktracksCatastrophicallyIsStoppedAndReportedNotLeftRunning() {
        // A field-skipping rule as users write them, on a line of separators only: Java's engine tries every way
        // to spread 12 fields over 40 commas before it fails (measured here: over 100 s without a budget).
        LineRule runaway = LineRule.reading("(.*,){12}(?<value>\\d+)X", "runaway", "");
        String garbled = ",".repeat(40);
        assertThatThrownBy(() -> runaway.apply(garbled, 1_000L)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("catastrophic backtracking");
    }

    private static void onReaderThread(String line) throws Exception {
        try {
            READER.submit(() -> applyAll(line)).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AssertionError failed) {
                throw failed;
            }
            if (e.getCause() instanceof Error error) {
                throw new AssertionError("a rule threw an Error, which would end the serial reader thread", error);
            }
            throw e;
        }
    }

    private static void applyAll(String line) {
        for (LineRule rule : RULES) {
            Optional<Reading> reading;
            try {
                reading = rule.apply(line, 1_000L);
            } catch (IllegalArgumentException e) {
                continue; // NumberFormatException too: the driver logs these and tries the next rule
            }
            reading.ifPresent(r -> {
                assertThat(r.getSensorId()).isNotEmpty().doesNotContain("{");
                assertThat(r.getTimestampMs()).isEqualTo(1_000L);
            });
        }
    }
}
