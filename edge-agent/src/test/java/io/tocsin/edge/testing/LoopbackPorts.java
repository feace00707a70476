package io.tocsin.edge.testing;

import java.io.IOException;
import java.net.ServerSocket;

/** Free TCP ports for test peers (Modbus slaves, mosquitto) that must be told their port up front. */
public final class LoopbackPorts {

    private LoopbackPorts() {
    }

    /** A port that was free a moment ago; a peer that loses the race fails its start-up loudly. */
    public static int free() throws IOException {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        }
    }
}
