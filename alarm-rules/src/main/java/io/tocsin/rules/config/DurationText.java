package io.tocsin.rules.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A duration as the rule file and the site registry write it: a whole number and a unit, {@code ms}, {@code s},
 * {@code m} or {@code h} ({@link #EXAMPLES}). One parser for both files, so they accept the same text.
 */
public final class DurationText {

    /** Examples for error messages. */
    public static final String EXAMPLES = "500ms, 30s, 10m, 8h";

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    private DurationText() {
    }

    /**
     * The duration in milliseconds.
     *
     * @throws IllegalArgumentException "is not a duration", or "is too long a duration" when the milliseconds do
     *                                  not fit a long (a crash, or a delay wrapped to a negative one, otherwise)
     */
    public static long millis(String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("is not a duration");
        }
        try {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> n;
                case "s" -> Math.multiplyExact(n, 1_000L);
                case "m" -> Math.multiplyExact(n, 60_000L);
                default -> Math.multiplyExact(n, 3_600_000L);
            };
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("is too long a duration");
        }
    }
}
