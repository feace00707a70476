package io.tocsin.rules;

/** The city's risk colours, most severe first. */
public enum Severity {
    RED,
    ORANGE,
    YELLOW,
    BLUE
}
