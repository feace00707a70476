package io.tocsin.edge.uplink;

/** A batch was not acknowledged by the platform; it must be kept and sent again. */
public class UplinkException extends Exception {

    public UplinkException(String message) {
        super(message);
    }

    public UplinkException(String message, Throwable cause) {
        super(message, cause);
    }
}
