package io.tocsin.ingest.fuzz;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.Property;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a fuzz input must never cause on the server's threads, where a thrown exception cannot fail the fuzz test
 * directly: an exception that escaped every handler (ConnectionErrorHandler, or Netty's own "reached the tail of
 * the pipeline" and "exception in a handler" warnings) and a leaked ByteBuf (Netty's leak detector, PARANOID:
 * every buffer tracked). Both are seen in the log, so this is a log4j appender on the root logger.
 */
final class EscapedErrors implements AutoCloseable {

    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final ResourceLeakDetector.Level previousLeakLevel = ResourceLeakDetector.getLevel();
    private final AbstractAppender appender;

    private EscapedErrors() {
        appender = new AbstractAppender("fuzz-escaped-errors", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                String problem = problem(event);
                if (problem != null) {
                    problems.add(problem);
                }
            }
        };
        appender.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().addAppender(appender, Level.WARN, null);
        context.updateLoggers();
        // Every refused input is a WARN line of the server: thousands a second while fuzzing. Only the handler
        // that reports escaped exceptions keeps its WARNs.
        Configurator.setLevel("io.tocsin", Level.ERROR);
        Configurator.setLevel("io.tocsin.ingest.mqtt.ConnectionErrorHandler", Level.WARN);
    }

    /** Starts watching; also turns Netty's leak detector to PARANOID until {@link #close()}. */
    static EscapedErrors watch() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        return new EscapedErrors();
    }

    private static String problem(LogEvent event) {
        String logger = event.getLoggerName();
        String message = event.getMessage().getFormattedMessage();
        Throwable thrown = event.getThrown();
        if (message.contains("LEAK:")) {
            return "leak: " + message;
        }
        boolean fromPipeline = logger.endsWith("ConnectionErrorHandler") || logger.startsWith("io.netty");
        if (fromPipeline && thrown != null && !(thrown instanceof IOException)) {
            return logger + ": " + message + ": " + stackTrace(thrown);
        }
        return null;
    }

    private static String stackTrace(Throwable thrown) {
        java.io.StringWriter out = new java.io.StringWriter();
        thrown.printStackTrace(new java.io.PrintWriter(out));
        return out.toString();
    }

    /** Fails when anything escaped or leaked since the last call (then forgets it, so one finding fails once). */
    void assertNone() {
        List<String> seen = List.copyOf(problems);
        problems.removeAll(seen);
        assertThat(seen).as("errors that escaped the pipeline or leaked buffers").isEmpty();
    }

    /**
     * Makes the leak detector report what was collected: leaks are found when a tracked buffer was garbage
     * collected unreleased, and reported the next time a buffer is allocated.
     */
    void collectLeaks() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            System.runFinalization();
            for (int i = 0; i < 64; i++) {
                ByteBuf pooled = PooledByteBufAllocator.DEFAULT.directBuffer(64);
                pooled.release();
                ByteBuf unpooled = UnpooledByteBufAllocator.DEFAULT.heapBuffer(64);
                unpooled.release();
            }
        }
    }

    @Override
    public void close() {
        // Back to log4j2-test.xml: its levels, without this appender.
        ((LoggerContext) LogManager.getContext(false)).reconfigure();
        appender.stop();
        ResourceLeakDetector.setLevel(previousLeakLevel);
    }
}
