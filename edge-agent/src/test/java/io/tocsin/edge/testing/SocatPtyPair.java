package io.tocsin.edge.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A connected pair of pseudo-terminals made by socat, as a real serial cable between two ports:
 * {@code socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B}. Needs the Debian package socat (installed
 * by .ci/run); a test that needs it fails with an explicit message when it is missing, it is never skipped.
 */
public final class SocatPtyPair implements AutoCloseable {

    private final Process socat;
    private final Path a;
    private final Path b;

    public SocatPtyPair(Path dir) throws IOException {
        this.a = dir.resolve("ttyA");
        this.b = dir.resolve("ttyB");
        try {
            socat = new ProcessBuilder("socat", "-d", "-d", "pty,raw,echo=0,link=" + a, "pty,raw,echo=0,link=" + b)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("socat.log").toFile()).start();
        } catch (IOException e) {
            throw new IllegalStateException("socat is not installed: this test needs a real pty pair. "
                    + "Install it with: apt-get install -y socat", e);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(a) && Files.exists(b) || !socat.isAlive());
        if (!socat.isAlive()) {
            throw new IllegalStateException("socat exited at once: " + Files.readString(dir.resolve("socat.log")));
        }
    }

    /** One end (the "device" side in tests). */
    public String a() {
        return a.toString();
    }

    /** The other end (the agent's side). */
    public String b() {
        return b.toString();
    }

    @Override
    public void close() {
        socat.destroy();
        try {
            socat.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
