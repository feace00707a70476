package io.tocsin.edge.buffer;

/** The on-disk buffer could not be read or written (disk full, file corrupt, permissions). */
public class BufferException extends RuntimeException {

    public BufferException(String message, Throwable cause) {
        super(message, cause);
    }
}
