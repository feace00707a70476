package io.tocsin.ingest.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Notifications that could not be delivered, one JSON object a line, appended and forced to disk:
 *
 * <pre>{@code
 * {"dead_lettered_at":"2026-11-29T10:15:00Z","station_id":"station-07","url":"https://gw.example.org/hook?…",
 *  "delivery_id":"station-07|park-1/gas-01/gas-high-1/1|1795946400000|ALARM_STATE_ACTIVE_UNACKNOWLEDGED|0",
 *  "attempts":14,
 *  "first_attempt_at":"2026-11-29T10:00:00Z","last_error":"HTTP 503","body":{...the request body...}}
 * }</pre>
 *
 * A file rather than a Kafka topic: it can be written when Kafka or the network is the problem, it needs no topic
 * or ACL to be provisioned, and an operator reads it with {@code tail}/{@code jq} and resends a line with
 * {@code curl}. The URL is written without its query (bot URLs carry their key there).
 */
final class DeadLetterFile implements AutoCloseable {

    static final String FILE_NAME = "webhook-dead-letters.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;

    DeadLetterFile(Path directory) throws IOException {
        Files.createDirectories(directory);
        this.file = directory.resolve(FILE_NAME);
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
    }

    Path path() {
        return file;
    }

    /** Appends one record; returns it as written (for the WARN log line). */
    synchronized String append(WebhookTarget target, DeliveryKey key, int attempts, Instant firstAttempt,
                               String lastError, byte[] body) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("dead_lettered_at", Instant.now().toString());
        o.put("station_id", target.stationId());
        o.put("url", target.redactedUrl());
        o.put("delivery_id", key.asString());
        o.put("attempts", attempts);
        o.put("first_attempt_at", firstAttempt.toString());
        o.put("last_error", lastError);
        JsonNode parsed;
        try {
            parsed = JSON.readTree(body);
        } catch (IOException e) {
            parsed = null;
        }
        if (parsed != null) {
            o.set("body", parsed);
        } else {
            o.put("body", new String(body, StandardCharsets.UTF_8));
        }
        String line = JSON.writeValueAsString(o);
        ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            channel.write(bytes);
        }
        channel.force(false);
        return line;
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
