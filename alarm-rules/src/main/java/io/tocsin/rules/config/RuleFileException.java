package io.tocsin.rules.config;

import java.util.List;

/**
 * A rule file that cannot be used. Every problem found is listed, each as
 * {@code file:line: key: what is wrong; valid: what would be}.
 */
public final class RuleFileException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient List<String> problems;

    RuleFileException(String file, List<String> problems) {
        super("rule file " + file + " has " + problems.size() + " problem(s):\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
