package io.tocsin.edge.driver.serial;

import com.fazecast.jSerialComm.SerialPort;
import io.tocsin.edge.driver.Driver;
import io.tocsin.proto.v1.Reading;
import java.nio.charset.Charset;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads what a fire alarm control panel prints on its RS-232/485 "printer" port, or what a gas head
 * streams, and turns lines into readings and events with {@link LineRule}s.
 *
 * <p>Framing is by terminator (bytes, e.g. CR LF) or by fixed length; bytes are collected across reads
 * until a frame is complete, and only complete frames are decoded, so a multi-byte GBK/GB18030 character
 * split between two reads is decoded whole. Splitting on the terminator bytes before decoding is safe for
 * ASCII, UTF-8, GBK and GB18030: none of them uses the bytes 0x0A or 0x0D inside a multi-byte character.
 *
 * <p>A port that cannot be opened or disappears (USB adapter unplugged) is reopened every second.
 */
public final class SerialLineDriver implements Driver {

    private static final Logger log = LoggerFactory.getLogger(SerialLineDriver.class);
    private static final int MAX_QUEUED_READINGS = 100_000;

    /** Port settings and framing. Exactly one of {@code terminator} (non-empty) or {@code fixedLength} > 0. */
    public record Settings(String port, int baudRate, SerialParity parity, int stopBits, Charset charset,
                           byte[] terminator, int fixedLength) {
        public Settings {
            if ((terminator == null || terminator.length == 0) == (fixedLength <= 0)) {
                throw new IllegalArgumentException("serial framing: set either a terminator or a fixed length");
            }
        }
    }

    private final Settings settings;
    private final List<LineRule> rules;
    private final Clock clock;
    private final List<Reading> gathered = new ArrayList<>();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong unmatchedLines = new AtomicLong();
    private volatile boolean running;
    private Thread reader;

    public SerialLineDriver(Settings settings, List<LineRule> rules, Clock clock) {
        this.settings = settings;
        this.rules = List.copyOf(rules);
        this.clock = clock;
    }

    @Override
    public String name() {
        return "serial:" + settings.port();
    }

    @Override
    public synchronized void start() {
        if (reader != null) {
            return;
        }
        running = true;
        reader = new Thread(this::readLoop, "serial-" + settings.port());
        reader.setDaemon(true);
        reader.start();
    }

    @Override
    public List<Reading> poll(long nowMs) {
        synchronized (gathered) {
            List<Reading> readings = new ArrayList<>(gathered);
            gathered.clear();
            return readings;
        }
    }

    /** Bytes read from the port so far (for tests and health). */
    public long bytesReceived() {
        return bytesReceived.get();
    }

    /** Complete lines no rule matched. */
    public long unmatchedLines() {
        return unmatchedLines.get();
    }

    private void readLoop() {
        while (running) {
            SerialPort port = SerialPort.getCommPort(settings.port());
            port.setComPortParameters(settings.baudRate(), 8, settings.stopBits(), settings.parity().jSerialCommCode());
            port.setComPortTimeouts(SerialPort.TIMEOUT_READ_SEMI_BLOCKING, 200, 0);
            if (!port.openPort()) {
                log.warn("Cannot open serial port {}; retrying in 1 s", settings.port());
                if (!pauseOneSecond()) {
                    return;
                }
                continue;
            }
            try {
                readFrames(port);
            } finally {
                port.closePort();
            }
        }
    }

    private void readFrames(SerialPort port) {
        LineFramer framer = new LineFramer(settings.terminator(), settings.fixedLength());
        byte[] chunk = new byte[512];
        while (running) {
            int n = port.readBytes(chunk, chunk.length);
            if (n < 0) {
                log.warn("Serial port {} failed (error {}); reopening", settings.port(), port.getLastErrorCode());
                pauseOneSecond();
                return;
            }
            bytesReceived.addAndGet(n);
            long discardedBefore = framer.overlongDiscarded();
            framer.accept(chunk, 0, n, frame -> handleLine(new String(frame, settings.charset())));
            if (framer.overlongDiscarded() > discardedBefore) {
                log.warn("Serial port {}: {} bytes without a terminator, discarded (wrong framing or baud?)",
                        settings.port(), LineFramer.MAX_FRAME_BYTES + 1);
            }
        }
    }

    private void handleLine(String line) {
        if (line.isBlank()) {
            return;
        }
        long now = clock.millis();
        for (LineRule rule : rules) {
            Optional<Reading> reading;
            try {
                reading = rule.apply(line, now);
            } catch (RuntimeException e) {
                log.warn("Serial port {}: rule {} failed on line '{}': {}", settings.port(), rule.match(), line,
                        e.toString());
                continue;
            }
            if (reading.isPresent()) {
                synchronized (gathered) {
                    gathered.add(reading.get());
                    if (gathered.size() > MAX_QUEUED_READINGS) {
                        gathered.remove(0);
                    }
                }
                return;
            }
        }
        unmatchedLines.incrementAndGet();
        log.debug("Serial port {}: no rule matches '{}'", settings.port(), line);
    }

    private boolean pauseOneSecond() {
        synchronized (this) {
            try {
                wait(1_000);
            } catch (InterruptedException e) {
                return false;
            }
        }
        return running;
    }

    @Override
    public void close() {
        running = false;
        synchronized (this) {
            notifyAll();
        }
        Thread t;
        synchronized (this) {
            t = reader;
            reader = null;
        }
        if (t != null) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
