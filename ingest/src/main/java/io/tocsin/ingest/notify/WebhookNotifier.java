package io.tocsin.ingest.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tocsin.proto.v1.AlarmEvent;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers alarm events to the stations' webhooks: a signed POST per event and station (body and signature: see
 * {@link AlarmPayloads} and {@link WebhookSignature}).
 *
 * <ul>
 *   <li><b>Order per station.</b> Each station has a lane: one request at a time, in the order events were
 *       submitted, so a receiver never sees "acknowledged" before "raised". Lanes are independent and requests are
 *       asynchronous, so a slow or dead station delays only its own lane.</li>
 *   <li><b>Retries.</b> Network errors, timeouts, 408, 429 and 5xx are retried with exponential backoff and
 *       jitter ({@link RetryPolicy}; a 429's Retry-After is honoured up to the maximum backoff). Any other answer
 *       (3xx, 4xx: a wrong URL or secret) is not going to change by itself and goes to the dead letters at once.
 *       For {@code bot-text} targets a 200 whose JSON carries a non-zero {@code errcode} (how WeCom and DingTalk
 *       report errors) is retried too.</li>
 *   <li><b>Giving up.</b> {@code giveUpAfter} after the event was submitted (not after the first attempt, so events
 *       queued behind a dead station do not each wait the whole time again) the delivery is appended to the
 *       dead-letter file, counted and logged at WARN.</li>
 *   <li><b>No duplicates.</b> An event already delivered to a station (key: station, alarm id, raise time, state,
 *       escalation level: {@link DeliveryKey}) or on its way there is not sent again; delivered keys are kept on disk ({@link DeliveredKeys}).
 *       A request whose response was lost is sent again: receivers can drop it by its
 *       {@value WebhookSignature#DELIVERY_ID_HEADER}.</li>
 * </ul>
 *
 * The future returned by {@link #submit} completes when the event was delivered to, or dead-lettered for, every
 * station that has a webhook; the Kafka consumer commits an offset only then. It completes exceptionally only when
 * the notifier is closed first or the dead letter cannot be written: the event must then be consumed again.
 */
public final class WebhookNotifier implements AutoCloseable {

    /** Events delivered (2xx), tag {@code station}. */
    public static final String DELIVERED = "tocsin.notify.webhook.delivered";
    /** Attempts that failed and were scheduled again, tag {@code station}. */
    public static final String RETRIES = "tocsin.notify.webhook.retries";
    /** Deliveries given up and written to the dead letters, tag {@code station}. */
    public static final String DEAD_LETTERS = "tocsin.notify.webhook.dead_letters";
    /** Events not sent again because they were delivered or are on their way already. */
    public static final String DUPLICATES = "tocsin.notify.webhook.duplicates";
    /** Station ids of events that have no webhook (normal: not every station has one). */
    public static final String NO_TARGET = "tocsin.notify.webhook.no_target";
    /** Duration of each HTTP request, tags {@code station} and {@code outcome} (delivered, retry, refused). */
    public static final String REQUESTS = "tocsin.notify.webhook.requests";
    /** From submission to the receiver's 2xx, retries included, tag {@code station}. */
    public static final String LATENCY = "tocsin.notify.webhook.latency";
    /** Deliveries submitted and not finished yet. */
    public static final String PENDING = "tocsin.notify.webhook.pending";

    private static final Logger log = LoggerFactory.getLogger(WebhookNotifier.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_ERROR_BODY = 200;

    private final WebhookSettings settings;
    private final RetryPolicy retry;
    private final MeterRegistry meters;
    private final DeliveredKeys deliveredKeys;
    private final DeadLetterFile deadLetters;
    private final Map<String, TargetLane> lanes = new HashMap<>();
    private final Map<DeliveryKey, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();
    private final ExecutorService httpExecutor;
    private final ScheduledExecutorService scheduler;
    private final HttpClient http;
    private final RandomGenerator random = RandomGenerator.getDefault();
    private final Counter duplicates;
    private final Counter noTarget;
    private volatile boolean closed;

    public WebhookNotifier(WebhookSettings settings, MeterRegistry meters) throws IOException {
        this.settings = settings;
        this.retry = settings.retry();
        this.meters = meters;
        this.deliveredKeys = new DeliveredKeys(settings.stateDirectory(), settings.deliveredKeysCapacity());
        this.deadLetters = new DeadLetterFile(settings.stateDirectory());
        this.httpExecutor = Executors.newCachedThreadPool(daemonThreads("tocsin-webhook-http"));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(daemonThreads("tocsin-webhook-retries"));
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // plain, predictable: no h2c upgrade dance with old gateways
                .connectTimeout(retry.requestTimeout())
                .followRedirects(HttpClient.Redirect.NEVER) // a redirect would re-send a signed alarm elsewhere
                .executor(httpExecutor)
                .build();
        settings.targets().forEach((station, target) -> lanes.put(station, new TargetLane(target)));
        this.duplicates = meters.counter(DUPLICATES);
        this.noTarget = meters.counter(NO_TARGET);
        meters.gauge(PENDING, inFlight, Map::size);
        log.info("Webhooks for {} stations; dead letters go to {}", lanes.size(), deadLetters.path());
    }

    /**
     * Sends {@code event} to the webhook of each of its {@code station_ids} that has one.
     *
     * @return completes when every such delivery was made or dead-lettered (at once if there is none)
     */
    public CompletableFuture<Void> submit(AlarmEvent event) {
        List<CompletableFuture<Void>> parts = new ArrayList<>();
        for (String station : new LinkedHashSet<>(event.getStationIdsList())) {
            TargetLane lane = lanes.get(station);
            if (lane == null) {
                noTarget.increment();
                continue;
            }
            DeliveryKey key = DeliveryKey.of(station, event);
            Delivery delivery;
            synchronized (this) {
                if (closed) {
                    return CompletableFuture.failedFuture(new IllegalStateException("webhook notifier is closed"));
                }
                CompletableFuture<Void> existing = inFlight.get(key);
                if (existing != null || deliveredKeys.contains(key)) {
                    duplicates.increment();
                    log.debug("Not sending {} again: {}", key.asString(), existing != null ? "on its way" : "delivered");
                    if (existing != null) {
                        parts.add(existing);
                    }
                    continue;
                }
                byte[] body = AlarmPayloads.body(lane.target.format(), key, event);
                delivery = new Delivery(lane, key, body, System.nanoTime());
                inFlight.put(key, delivery.done);
            }
            parts.add(delivery.done);
            lane.add(delivery);
        }
        return parts.isEmpty() ? CompletableFuture.completedFuture(null)
                : CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
    }

    /** Deliveries submitted and not yet delivered or dead-lettered. */
    public int pending() {
        return inFlight.size();
    }

    /** The file dead letters are appended to. */
    public java.nio.file.Path deadLetterFile() {
        return deadLetters.path();
    }

    private void attempt(Delivery d) {
        if (closed) {
            finish(d, new IllegalStateException("webhook notifier closed before delivery"));
            return;
        }
        WebhookTarget target = d.lane.target;
        d.attempts++;
        if (d.firstAttempt == null) {
            d.firstAttempt = Instant.now();
        }
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(target.url())
                    .timeout(retry.requestTimeout())
                    .header("Content-Type", "application/json; charset=utf-8")
                    .header("User-Agent", "Tocsin-Webhook/1")
                    .header(WebhookSignature.DELIVERY_ID_HEADER, d.key.asHeaderValue())
                    .header("Tocsin-Delivery-Attempt", Integer.toString(d.attempts))
                    .header(WebhookSignature.HEADER,
                            WebhookSignature.headerValue(target.secret(), Instant.now().getEpochSecond(), d.body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(d.body))
                    .build();
        } catch (RuntimeException e) {
            deadLetter(d, "request could not be built: " + e.getMessage());
            return;
        }
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<String>> response;
        try {
            response = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        // Answers are handled on our own pool: recording a delivery forces a file to disk, which must not hold up
        // the HTTP client's threads (and with them other stations' requests).
        response.whenCompleteAsync((r, error) -> {
            try {
                onAnswer(d, r, error, System.nanoTime() - start);
            } catch (RuntimeException e) {
                log.error("Webhook delivery {} failed unexpectedly", d.key.asString(), e);
                finish(d, e);
            }
        }, httpExecutor);
    }

    private void onAnswer(Delivery d, HttpResponse<String> response, Throwable error, long tookNanos) {
        String station = d.lane.target.stationId();
        String problem;
        boolean retryable;
        Optional<Duration> retryAfter = Optional.empty();
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            problem = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
            retryable = true;
        } else if (response.statusCode() / 100 == 2) {
            String botError = d.lane.target.format() == WebhookTarget.BodyFormat.BOT_TEXT ? botError(response.body())
                    : null;
            if (botError == null) {
                requestTimer(station, "delivered").record(tookNanos, TimeUnit.NANOSECONDS);
                delivered(d);
                return;
            }
            problem = "bot answered " + botError;
            retryable = true;
        } else {
            int status = response.statusCode();
            problem = "HTTP " + status + errorBody(response.body());
            retryable = status == 408 || status == 429 || status >= 500;
            retryAfter = retryAfter(response);
        }
        requestTimer(station, retryable ? "retry" : "refused").record(tookNanos, TimeUnit.NANOSECONDS);
        if (!retryable) {
            deadLetter(d, problem + " (not retried: the receiver refused the request; check url and secret)");
            return;
        }
        Duration delay = retry.delayBeforeRetry(d.attempts, random);
        if (retryAfter.isPresent() && retryAfter.get().compareTo(delay) > 0) {
            delay = retryAfter.get().compareTo(retry.maxRetry()) > 0 ? retry.maxRetry() : retryAfter.get();
        }
        if (System.nanoTime() + delay.toNanos() - d.submittedNanos > retry.giveUpAfter().toNanos()) {
            deadLetter(d, problem);
            return;
        }
        meters.counter(RETRIES, "station", station).increment();
        if (d.attempts == 1) {
            log.warn("Webhook of station {} ({}) failed for {}: {}; retrying", station, d.lane.target.redactedUrl(),
                    d.key.alarmId(), problem);
        } else {
            log.debug("Webhook of station {} attempt {} failed: {}; next in {} ms", station, d.attempts, problem,
                    delay.toMillis());
        }
        try {
            scheduler.schedule(() -> attempt(d), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            finish(d, new IllegalStateException("webhook notifier closed during retries", e));
        }
    }

    private void delivered(Delivery d) {
        String station = d.lane.target.stationId();
        try {
            deliveredKeys.add(d.key);
        } catch (IOException e) {
            if (closed) {
                log.info("Webhook {} was delivered while stopping and is not recorded", d.key.asString());
            } else {
                log.error("Webhook {} was delivered but could not be recorded in {}: a replay of it would be sent "
                        + "again", d.key.asString(), settings.stateDirectory(), e);
            }
        }
        meters.counter(DELIVERED, "station", station).increment();
        Timer.builder(LATENCY).tag("station", station).register(meters)
                .record(System.nanoTime() - d.submittedNanos, TimeUnit.NANOSECONDS);
        if (d.attempts > 1) {
            log.info("Webhook of station {} delivered {} after {} attempts", station, d.key.alarmId(), d.attempts);
        }
        finish(d, null);
    }

    private void deadLetter(Delivery d, String problem) {
        String station = d.lane.target.stationId();
        try {
            String record = deadLetters.append(d.lane.target, d.key, d.attempts,
                    d.firstAttempt == null ? Instant.now() : d.firstAttempt, problem, d.body);
            meters.counter(DEAD_LETTERS, "station", station).increment();
            log.warn("Webhook of station {} gave up after {} attempts ({}); dead letter in {}: {}", station,
                    d.attempts, problem, deadLetters.path(), record);
            finish(d, null);
        } catch (IOException e) {
            log.error("Webhook of station {} gave up ({}) and the dead letter could not be written to {}: the alarm "
                    + "event stays unconsumed", station, problem, deadLetters.path(), e);
            finish(d, e);
        }
    }

    private void finish(Delivery d, Throwable failure) {
        inFlight.remove(d.key, d.done);
        if (failure == null) {
            d.done.complete(null);
        } else {
            d.done.completeExceptionally(failure);
        }
        d.lane.next();
    }

    private Timer requestTimer(String station, String outcome) {
        return Timer.builder(REQUESTS).tag("station", station).tag("outcome", outcome).register(meters);
    }

    /** WeCom and DingTalk answer 200 with {"errcode":0,...}; anything else is an error. Null when fine. */
    private static String botError(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode answer = JSON.readTree(body);
            JsonNode code = answer == null ? null : answer.get("errcode");
            if (code == null || code.asLong() == 0) {
                return null;
            }
            return "errcode " + code.asText() + errorBody(answer.path("errmsg").asText(""));
        } catch (IOException e) {
            return null; // not the bot API's JSON: the 2xx is all there is to go by
        }
    }

    private static String errorBody(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String b = body.strip().replaceAll("\\s+", " ");
        return ": " + (b.length() > MAX_ERROR_BODY ? b.substring(0, MAX_ERROR_BODY) + "…" : b);
    }

    private static Optional<Duration> retryAfter(HttpResponse<?> response) {
        Optional<String> value = response.headers().firstValue("Retry-After");
        try {
            return value.map(v -> Duration.ofSeconds(Math.max(0, Long.parseLong(v.strip()))));
        } catch (NumberFormatException e) {
            return Optional.empty(); // an HTTP date: rare for webhooks, the backoff applies
        }
    }

    private static ThreadFactory daemonThreads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * Stops: nothing new is attempted; deliveries not finished complete exceptionally (their events were not
     * committed and are consumed again after a restart, where the delivered keys stop repeats).
     */
    @Override
    public void close() {
        List<Delivery> abandoned = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (TargetLane lane : lanes.values()) {
            abandoned.addAll(lane.drain());
        }
        scheduler.shutdownNow();
        for (Delivery d : abandoned) {
            inFlight.remove(d.key, d.done);
            d.done.completeExceptionally(new IllegalStateException("webhook notifier closed before delivery"));
        }
        httpExecutor.shutdown();
        try {
            httpExecutor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            deliveredKeys.close();
            deadLetters.close();
        } catch (IOException e) {
            log.warn("Closing the webhook state files failed: {}", e.toString());
        }
        if (!abandoned.isEmpty()) {
            log.info("Webhook notifier stopped with {} deliveries pending; they are retried after a restart",
                    abandoned.size());
        }
    }

    /** One station's queue: one request at a time, in submission order. */
    private final class TargetLane {
        private final WebhookTarget target;
        private final ArrayDeque<Delivery> queue = new ArrayDeque<>();
        private boolean busy;

        TargetLane(WebhookTarget target) {
            this.target = target;
        }

        void add(Delivery d) {
            boolean start;
            synchronized (this) {
                queue.add(d);
                start = !busy;
                busy = true;
            }
            if (start) {
                run(d);
            }
        }

        /** The head finished: start the next one. */
        void next() {
            Delivery following;
            synchronized (this) {
                queue.poll();
                following = queue.peek();
                busy = following != null;
            }
            if (following != null) {
                run(following);
            }
        }

        synchronized List<Delivery> drain() {
            List<Delivery> all = new ArrayList<>(queue);
            queue.clear();
            busy = true; // nothing starts any more
            return all;
        }

        private void run(Delivery d) {
            try {
                scheduler.execute(() -> attempt(d));
            } catch (RejectedExecutionException e) {
                inFlight.remove(d.key, d.done);
                d.done.completeExceptionally(new IllegalStateException("webhook notifier closed before delivery", e));
            }
        }
    }

    /** One event on its way to one station. */
    private static final class Delivery {
        final TargetLane lane;
        final DeliveryKey key;
        final byte[] body;
        final long submittedNanos;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        int attempts;
        Instant firstAttempt;

        Delivery(TargetLane lane, DeliveryKey key, byte[] body, long submittedNanos) {
            this.lane = lane;
            this.key = key;
            this.body = body;
            this.submittedNanos = submittedNanos;
        }
    }
}
