package io.tocsin.standalone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Free TCP ports for embedded servers that must be told a port up front (0 is not an option for them). */
public final class LoopbackPorts {

    private LoopbackPorts() {
    }

    /**
     * A port that was free a moment ago. Another process may take it before the caller binds it; that race is
     * accepted for the embedded default and tests, where a failed bind is reported at start-up.
     */
    public static int free() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
