package io.tocsin.edge.config;

import java.util.List;

/** The agent configuration is invalid; the message lists every problem with file, line, key and fix. */
public class ConfigException extends Exception {

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join(System.lineSeparator(), problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
