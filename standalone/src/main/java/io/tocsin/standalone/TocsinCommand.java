package io.tocsin.standalone;

import io.tocsin.standalone.demo.DemoCommand;
import io.tocsin.standalone.parts.IngestPartCommand;
import io.tocsin.standalone.parts.JobsPartCommand;
import io.tocsin.standalone.parts.KafkaPartCommand;
import io.tocsin.standalone.parts.StorePartCommand;
import io.tocsin.standalone.parts.TimeSeriesPartCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tocsin} on the command line; each subcommand is one way to run the platform. */
@Command(name = "tocsin", mixinStandardHelpOptions = true,
        description = "Telemetry ingestion and alarm engine for high-risk sites and micro fire stations.",
        subcommands = {DemoCommand.class, KafkaPartCommand.class, StorePartCommand.class, JobsPartCommand.class,
                IngestPartCommand.class, TimeSeriesPartCommand.class})
public final class TocsinCommand {

    public static void main(String[] args) {
        System.exit(new CommandLine(new TocsinCommand()).execute(args));
    }
}
