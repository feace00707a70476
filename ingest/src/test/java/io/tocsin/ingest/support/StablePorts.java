package io.tocsin.ingest.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A free port for a server that a test stops and starts again on the same port. Ports the kernel hands out for
 * outgoing connections (Linux: 32768-60999) are avoided: between the stop and the start, any client connection on
 * the machine (a Kafka client, another test) may take an ephemeral port as its local port, and the server's
 * second bind then fails ("address already in use").
 */
public final class StablePorts {

    private static final int FIRST = 20_000;
    private static final int LAST = 32_000;

    private StablePorts() {
    }

    /** A port in 20000-31999 that could be bound on 127.0.0.1 just now. */
    public static int free() {
        int start = ThreadLocalRandom.current().nextInt(FIRST, LAST);
        for (int i = 0; i < LAST - FIRST; i++) {
            int port = FIRST + (start - FIRST + i) % (LAST - FIRST);
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return probe.getLocalPort();
            } catch (IOException taken) {
                // try the next one
            }
        }
        throw new IllegalStateException("no free port in " + FIRST + "-" + (LAST - 1));
    }
}
