package io.tocsin.ingest.console;

import io.tocsin.proto.v1.AlarmCommandRequest;

import java.util.concurrent.CompletableFuture;

/**
 * Where the console's acknowledge and shelve commands go: the alarm job's commands topic in production
 * ({@link KafkaAlarmCommandSender}). The console shows no state change on sending; it waits for the
 * {@link io.tocsin.proto.v1.AlarmEvent} the job emits when it applied the command.
 */
public interface AlarmCommandSender {

    /** Completes when the command is durably handed over (Kafka acknowledged it), exceptionally otherwise. */
    CompletableFuture<Void> send(AlarmCommandRequest command);
}
