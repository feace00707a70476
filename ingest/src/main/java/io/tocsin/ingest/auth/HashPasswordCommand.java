package io.tocsin.ingest.auth;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Produces a registry password line: {@code java -cp tocsin-ingest.jar io.tocsin.ingest.auth.HashPasswordCommand
 * [iterations]}, password read from the console (not echoed) or from the first line of stdin. Prints the
 * {@code password:} line for the registry file and, for CoAP devices, the DTLS pre-shared key to put on the device.
 *
 * <p>{@code HashPasswordCommand --generate} reads nothing: it makes a random secret for a gateway (see
 * {@link PasswordHash#generate()}, the choice for fleets: a gateway's reconnection after an ingest restart costs
 * ~0.5 ms instead of ~0.25 s) and prints the secret once, beside the registry line and the DTLS key.
 */
public final class HashPasswordCommand {

    private HashPasswordCommand() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length > 0 && args[0].equals("--generate")) {
            PasswordHash.GeneratedSecret generated = PasswordHash.generate();
            System.out.println("# secret for the device (its MQTT password; shown only now, not stored): "
                    + generated.secret());
            print(generated.hash());
            return;
        }
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : PasswordHash.DEFAULT_ITERATIONS;
        char[] password;
        Console console = System.console();
        if (console != null) {
            password = console.readPassword("Password: ");
        } else {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            password = line == null ? new char[0] : line.toCharArray();
        }
        if (password == null || password.length == 0) {
            System.err.println("No password given (type it, or pipe it on stdin)");
            System.exit(2);
            return;
        }
        PasswordHash hash = PasswordHash.create(password, iterations);
        Arrays.fill(password, '\0');
        print(hash);
    }

    private static void print(PasswordHash hash) {
        System.out.println("    password: " + hash);
        System.out.println("# DTLS pre-shared key for this name (CoAP devices only; keep it secret): "
                + new String(hash.dtlsKey(), StandardCharsets.US_ASCII));
    }
}
