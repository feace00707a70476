package io.tocsin.standalone;

import io.tocsin.standalone.demo.DemoCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tocsin} on the command line; each subcommand is one way to run the platform. */
@Command(name = "tocsin", mixinStandardHelpOptions = true,
        description = "Telemetry ingestion and alarm engine for high-risk sites and micro fire stations.",
        subcommands = {DemoCommand.class})
public final class TocsinCommand {

    public static void main(String[] args) {
        System.exit(new CommandLine(new TocsinCommand()).execute(args));
    }
}
