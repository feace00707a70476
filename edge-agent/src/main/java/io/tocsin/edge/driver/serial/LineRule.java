package io.tocsin.edge.driver.serial;

import io.tocsin.rules.events.FieldEvent;
import io.tocsin.edge.driver.Events;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns one printed line into a reading or an event. The regex is searched in the line; its named groups
 * fill {@code {name}} placeholders of the sensor id, and the group {@code value} (for readings) is the
 * number. For an event rule ({@code event} set) the reading is an event of that kind, active unless
 * {@code active} is false (a "fire cleared" line).
 *
 * <p>Example, a Chinese panel printing "火警 003区 探测器": {@code match: '火警\s*(?<zone>\d+)区'},
 * {@code event: FIRE}, {@code sensor: 'zone-{zone}'}.
 */
public record LineRule(Pattern match, String sensor, Optional<FieldEvent> event, boolean active, String unit,
                       double scale) {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]*)}");
    /**
     * How long one rule may search one line. A rule that backtracks catastrophically (e.g. {@code (a+)+$}) on a
     * garbled line would otherwise hold the port's reader thread for minutes while the panel's next lines (a fire)
     * wait; lines arrive at most a few per second, so this is generous.
     */
    static final long SEARCH_BUDGET_NANOS = 200_000_000L;

    public static LineRule reading(String regex, String sensor, String unit) {
        return new LineRule(Pattern.compile(regex), sensor, Optional.empty(), true, unit, 1);
    }

    public static LineRule event(String regex, String sensor, FieldEvent kind, boolean active) {
        return new LineRule(Pattern.compile(regex), sensor, Optional.of(kind), active, "", 1);
    }

    /** The reading this line yields, or empty if the rule does not match it. */
    /**
     * @throws IllegalArgumentException when the rule cannot be applied to this line: a placeholder or 'value' group
     *         that did not take part in the match, a value that is not a number, or a regex that recurses too deep
     *         for a long line (Java's regex engine recurses for a repeated group such as {@code (\d|\.)+}, and a
     *         StackOverflowError would end the port's reader thread), or one that took longer than its time budget
     *         (catastrophic backtracking)
     */
    public Optional<Reading> apply(String line, long nowMs) {
        Matcher m = match.matcher(new BudgetedLine(line, System.nanoTime() + SEARCH_BUDGET_NANOS));
        boolean found;
        try {
            found = m.find();
        } catch (StackOverflowError e) {
            throw new IllegalArgumentException("regex '" + match + "' recursed too deep on a line of " + line.length()
                    + " characters; avoid repeated groups with alternatives, e.g. write [0-9.]+ not (\\d|\\.)+");
        } catch (BudgetedLine.OverBudget e) {
            throw new IllegalArgumentException("regex '" + match + "' took over " + SEARCH_BUDGET_NANOS / 1_000_000
                    + " ms on a line of " + line.length() + " characters (catastrophic backtracking); avoid nested "
                    + "repetition such as (a+)+");
        }
        if (!found) {
            return Optional.empty();
        }
        String sensorId = PLACEHOLDER.matcher(sensor).replaceAll(r -> Matcher.quoteReplacement(m.group(r.group(1))));
        if (event.isPresent()) {
            return Optional.of(Events.event(sensorId, event.get(), nowMs, active));
        }
        double value = Double.parseDouble(m.group("value")) * scale;
        return Optional.of(Reading.newBuilder().setSensorId(sensorId).setTimestampMs(nowMs).setValue(value)
                .setQuality(Quality.QUALITY_GOOD).setUnit(unit).build());
    }

    /**
     * The line as the regex engine sees it: every few thousand characters read it checks the clock, and gives up
     * past the deadline. Java's regex engine has no timeout of its own; reading the input is the one place where a
     * runaway search can be stopped from the same thread.
     */
    private static final class BudgetedLine implements CharSequence {

        /** Thrown out of {@link java.util.regex.Matcher#find()} when the search is over its budget. */
        static final class OverBudget extends RuntimeException {
            OverBudget() {
                super(null, null, false, false);
            }
        }

        private final String text;
        private final long deadlineNanos;
        private int reads;

        BudgetedLine(String text, long deadlineNanos) {
            this.text = text;
            this.deadlineNanos = deadlineNanos;
        }

        @Override
        public char charAt(int index) {
            if ((++reads & 0xFFF) == 0 && System.nanoTime() - deadlineNanos > 0) {
                throw new OverBudget();
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return text.subSequence(start, end);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
