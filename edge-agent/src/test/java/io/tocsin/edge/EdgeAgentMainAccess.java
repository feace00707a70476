package io.tocsin.edge;

import java.io.PrintStream;
import java.nio.file.Path;

/** Lets tests in other packages run {@code --check-config} without exiting the JVM. */
public final class EdgeAgentMainAccess {
    private EdgeAgentMainAccess() {
    }

    public static int check(Path file, PrintStream out, PrintStream err) {
        return EdgeAgentMain.check(file, out, err);
    }
}
