package io.tocsin.rules.presets;

import java.util.Arrays;
import java.util.Optional;

/** The rule kinds a rule file can name, with their names in the file. */
public enum RuleKind {
    THRESHOLD_HIGH("threshold-high"),
    THRESHOLD_LOW("threshold-low"),
    RATE_OF_RISE("rate-of-rise"),
    FAULT("fault"),
    STALE("stale");

    private final String fileName;

    RuleKind(String fileName) {
        this.fileName = fileName;
    }

    public String fileName() {
        return fileName;
    }

    public static Optional<RuleKind> fromFileName(String name) {
        return Arrays.stream(values()).filter(k -> k.fileName.equals(name)).findFirst();
    }
}
