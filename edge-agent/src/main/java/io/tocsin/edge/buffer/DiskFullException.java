package io.tocsin.edge.buffer;

/**
 * A batch could not be stored because the file system has no room for it, even after the buffer dropped every
 * telemetry batch it could. A telemetry batch refused this way has already been counted as dropped by the buffer;
 * an urgent one is the caller's to keep.
 */
public class DiskFullException extends BufferException {

    public DiskFullException(String message, Throwable cause) {
        super(message, cause);
    }
}
