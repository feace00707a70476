package io.tocsin.jobs.registry;

import java.util.List;

/** A site registry file that cannot be used; every problem as {@code file:line: key: what is wrong; valid: ...}. */
public final class RegistryFileException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient List<String> problems;

    RegistryFileException(String file, List<String> problems) {
        super("site registry file " + file + " has " + problems.size() + " problem(s):\n  "
                + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
