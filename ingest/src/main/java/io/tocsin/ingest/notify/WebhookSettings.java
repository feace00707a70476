package io.tocsin.ingest.notify;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the notifier needs, normally read from a webhooks file by {@link WebhooksFile}.
 *
 * @param targets               station id to its webhook
 * @param retry                 backoff, request timeout and when to give up
 * @param stateDirectory        where the dead letters ({@value DeadLetterFile#FILE_NAME}) and the record of delivered
 *                              events ({@value DeliveredKeys#FILE_NAME}) are kept
 * @param deliveredKeysCapacity how many delivered event keys are remembered (oldest forgotten first)
 */
public record WebhookSettings(Map<String, WebhookTarget> targets, RetryPolicy retry, Path stateDirectory,
                              int deliveredKeysCapacity) {

    public static final int DEFAULT_DELIVERED_KEYS_CAPACITY = 100_000;

    public WebhookSettings {
        targets = Map.copyOf(targets);
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(stateDirectory, "stateDirectory");
        if (deliveredKeysCapacity < 1) {
            throw new IllegalArgumentException("deliveredKeysCapacity must be at least 1");
        }
    }

    public WebhookSettings withRetry(RetryPolicy retry) {
        return new WebhookSettings(targets, retry, stateDirectory, deliveredKeysCapacity);
    }
}
