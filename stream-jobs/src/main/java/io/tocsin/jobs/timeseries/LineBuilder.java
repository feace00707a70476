package io.tocsin.jobs.timeseries;

import java.math.BigDecimal;

/**
 * Writes one line of InfluxDB line protocol straight into a {@link StringBuilder}, for the one formatter on the
 * hot path ({@link ReadingLines}: every reading). influxdb-client-java's {@code Point} sorts tags and fields in
 * tree maps and formats doubles with {@code DecimalFormat}: at 50,000 readings/s that was more than half of the
 * time-series job's thread (JFR), on a 2-core machine it shares with the alarms.
 *
 * <p>The caller adds tags in key order and fields in key order, as {@code Point} writes them, so lines stay the
 * same byte for byte. Escaping as the line protocol wants it: in the measurement comma and space; in tag keys,
 * tag values and field keys comma, equals sign and space; line breaks and tabs as {@code \n \r \t} (a line break
 * would end the line); in string field values double quote and backslash.
 */
final class LineBuilder {

    private final StringBuilder line = new StringBuilder(128);
    private boolean firstField = true;

    LineBuilder(String measurement) {
        for (int i = 0; i < measurement.length(); i++) {
            char c = measurement.charAt(i);
            if (c == ',' || c == ' ') {
                line.append('\\');
            }
            line.append(c);
        }
    }

    LineBuilder tag(String key, String value) {
        line.append(',');
        escapeKey(key);
        line.append('=');
        escapeKey(value);
        return this;
    }

    LineBuilder field(String key, String value) {
        startField(key);
        line.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                line.append('\\');
            }
            line.append(c);
        }
        line.append('"');
        return this;
    }

    /** A float field; the caller leaves out values that are not finite (the protocol has no NaN). */
    LineBuilder field(String key, double value) {
        startField(key);
        String text = Double.toString(value);
        if (text.indexOf('E') < 0) {
            line.append(text);
        } else {
            // Double.toString switches to 1.0E-5 / 1.0E10 notation outside [1e-3, 1e7): written plainly, with at
            // least one decimal as Point writes it.
            String plain = new BigDecimal(text).stripTrailingZeros().toPlainString();
            line.append(plain);
            if (plain.indexOf('.') < 0) {
                line.append(".0");
            }
        }
        return this;
    }

    String timeMs(long timestampMs) {
        return line.append(' ').append(timestampMs).toString();
    }

    private void startField(String key) {
        line.append(firstField ? ' ' : ',');
        firstField = false;
        escapeKey(key);
        line.append('=');
    }

    private void escapeKey(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case ',', '=', ' ' -> line.append('\\').append(c);
                case '\n' -> line.append("\\n");
                case '\r' -> line.append("\\r");
                case '\t' -> line.append("\\t");
                default -> line.append(c);
            }
        }
    }
}
