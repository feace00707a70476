package io.tocsin.standalone;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports for embedded servers that must be told a port up front (0 is not an option for them), outside the
 * ports the kernel hands out for outgoing connections (Linux 32768-60999, macOS and Windows 49152-65535): an
 * embedded server keeps its port when it restarts (the Kafka broker after a simulated crash), and between its stop
 * and its start any client connection on the machine could take an ephemeral port as its local port, and the
 * second bind would fail ("address already in use").
 */
public final class LoopbackPorts {

    private static final int FIRST = 20_000;
    private static final int LAST = 32_000;
    /** Ports already handed out in this process: a server may not have bound its port when the next one is asked. */
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    private LoopbackPorts() {
    }

    /**
     * A port in 20000-31999 that was free on the loopback address a moment ago and not handed out before in this
     * process (a test that starts many servers gets distinct ports). Another process may take it before
     * the caller binds it; that race is accepted for the embedded default and tests, where a failed bind is reported
     * at start-up.
     */
    public static int free() {
        int start = ThreadLocalRandom.current().nextInt(FIRST, LAST);
        for (int i = 0; i < LAST - FIRST; i++) {
            int port = FIRST + (start - FIRST + i) % (LAST - FIRST);
            if (GIVEN.contains(port)) {
                continue;
            }
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                if (GIVEN.add(port)) {
                    return port;
                }
            } catch (IOException taken) {
                // try the next one
            }
        }
        throw new IllegalStateException("no free port in " + FIRST + "-" + (LAST - 1));
    }
}
