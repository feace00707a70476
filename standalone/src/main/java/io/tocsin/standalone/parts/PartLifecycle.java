package io.tocsin.standalone.parts;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a part's process up until SIGTERM (or Ctrl-C), then lets the part close itself before the JVM exits:
 * the shutdown hook waits for {@link #stopped()}, so Kafka producers flush and Flink cancels its jobs (keeping
 * their last checkpoint) instead of being cut off by the exit.
 */
final class PartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PartLifecycle.class);
    private static final int STOP_TIMEOUT_S = 60;

    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stoppedCleanly = new CountDownLatch(1);

    PartLifecycle(String part) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Stopping {} ...", part);
            stopRequested.countDown();
            try {
                stoppedCleanly.await(STOP_TIMEOUT_S, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // log4j2.xml disables log4j's own hook so that the lines above still get out.
            LogManager.shutdown();
        }, "tocsin-" + part + "-shutdown"));
    }

    /**
     * The one line a supervisor (a script, the fault harness, systemd's ExecStartPost) waits for, on standard
     * output whatever the log configuration: {@code READY <part> key=value ...}.
     */
    static void announceReady(String part, String details) {
        System.out.println("READY " + part + " " + details);
        System.out.flush();
    }

    /** Blocks until a stop is requested. */
    void awaitStopRequest() throws InterruptedException {
        stopRequested.await();
    }

    /** Called once the part has closed everything (in a finally). */
    void stopped() {
        stoppedCleanly.countDown();
    }
}
