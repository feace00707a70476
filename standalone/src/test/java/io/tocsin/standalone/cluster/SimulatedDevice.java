package io.tocsin.standalone.cluster;

import io.tocsin.proto.MqttTopics;
import io.tocsin.proto.v1.Quality;
import io.tocsin.proto.v1.Reading;
import io.tocsin.proto.v1.TelemetryBatch;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongToDoubleFunction;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * A gateway behind a TCP load balancer: a real Paho MQTT 5 client that publishes numbered telemetry batches at
 * QoS 1 to one ingest node and behaves like the edge agent: a batch counts as delivered only on a PUBACK with a
 * success reason code; anything else (a refusal, a timeout, a dropped connection) means "send the same batch
 * again", after reconnecting if need be. One batch in flight, so the readings reach Kafka in order.
 *
 * <p>What it records is what the audit holds the platform to: every acknowledged batch ({@link #acked()}) must be
 * in the telemetry topic.
 */
final class SimulatedDevice implements Runnable {

    /** Acknowledged batches: sequence → [publish wall-clock ms, PUBACK wall-clock ms]. */
    /** Per acknowledged batch sequence: [published ms, PUBACK ms, the batch's reading timestamp ms]. */
    private final Map<Long, long[]> acked = new ConcurrentHashMap<>();
    private volatile long lastAckedTimestampMs = -1;
    private final String serverUri;
    private final String siteId;
    private final String deviceId;
    private final String sensorId;
    private final int readingsPerBatch;
    private final long intervalNanos;
    private final LongToDoubleFunction valueOfSequence;
    private final AtomicLong refusals = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private volatile boolean running = true;
    private volatile long sequenceNow;
    private MqttAsyncClient client;

    /**
     * @param valueOfSequence the reading value of batch n (all readings of a batch carry it)
     */
    SimulatedDevice(String serverUri, String siteId, String deviceId, String sensorId, int readingsPerBatch,
                    double batchesPerSecond, LongToDoubleFunction valueOfSequence) {
        this.serverUri = serverUri;
        this.siteId = siteId;
        this.deviceId = deviceId;
        this.sensorId = sensorId;
        this.readingsPerBatch = readingsPerBatch;
        this.intervalNanos = (long) (1e9 / batchesPerSecond);
        this.valueOfSequence = valueOfSequence;
    }

    @Override
    public void run() {
        long next = System.nanoTime();
        long sequence = 0;
        long lastTimestamp = 0;
        while (running) {
            // A pacer, not synchronisation: the device reports at its own rate.
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            next += intervalNanos;
            long timestamp = Math.max(System.currentTimeMillis(), lastTimestamp + 1);
            lastTimestamp = timestamp;
            byte[] payload = batch(sequence, timestamp).toByteArray();
            sequenceNow = sequence;
            long publishedAt = System.currentTimeMillis();
            while (running && !deliver(payload)) {
                publishedAt = System.currentTimeMillis(); // the time of the attempt that got through
            }
            if (!running) {
                break;
            }
            acked.put(sequence, new long[] {publishedAt, System.currentTimeMillis(), timestamp});
            lastAckedTimestampMs = timestamp;
            sequence++;
        }
        disconnect();
    }

    private TelemetryBatch batch(long sequence, long timestampMs) {
        TelemetryBatch.Builder batch = TelemetryBatch.newBuilder().setSiteId(siteId).setDeviceId(deviceId)
                .setSequence(sequence);
        double value = valueOfSequence.applyAsDouble(sequence);
        for (int i = 0; i < readingsPerBatch; i++) {
            // One sensor id per reading of a batch: a gateway reads several channels in one scan.
            String sensor = readingsPerBatch == 1 ? sensorId : sensorId + "-" + i;
            batch.addReadings(Reading.newBuilder().setSensorId(sensor).setTimestampMs(timestampMs).setValue(value)
                    .setQuality(Quality.QUALITY_GOOD).setUnit("%"));
        }
        return batch.build();
    }

    /** One attempt: true only on a PUBACK with a success reason code. */
    private boolean deliver(byte[] payload) {
        try {
            if (client == null || !client.isConnected()) {
                connect();
            }
            MqttMessage message = new MqttMessage(payload);
            message.setQos(1);
            IMqttToken token = client.publish(MqttTopics.telemetry(siteId, deviceId), message);
            token.waitForCompletion(TimeUnit.SECONDS.toMillis(40));
            int[] reasons = token.getReasonCodes();
            if (reasons != null && reasons.length > 0 && reasons[0] >= 0x80) {
                refusals.incrementAndGet();
                return false;
            }
            return true;
        } catch (MqttException e) {
            refusals.incrementAndGet();
            disconnect();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200)); // back off before reconnecting
            return false;
        }
    }

    private void connect() throws MqttException {
        if (client != null) {
            reconnects.incrementAndGet();
        }
        client = new MqttAsyncClient(serverUri, siteId + "-" + deviceId, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setConnectionTimeout(10);
        options.setKeepAliveInterval(30);
        client.connect(options).waitForCompletion(15_000);
    }

    private void disconnect() {
        MqttAsyncClient c = client;
        client = null;
        if (c == null) {
            return;
        }
        try {
            if (c.isConnected()) {
                c.disconnect().waitForCompletion(5_000);
            }
        } catch (MqttException e) {
            // going away anyway
        }
        try {
            c.close(true);
        } catch (MqttException e) {
            // going away anyway
        }
    }

    void stop() {
        running = false;
    }

    Map<Long, long[]> acked() {
        return acked;
    }

    /**
     * Reading timestamp of the newest acknowledged batch, -1 before the first. Timestamps rise with every batch,
     * so the acknowledged readings are exactly this device's readings up to this time.
     */
    long lastAckedTimestampMs() {
        return lastAckedTimestampMs;
    }

    String key() {
        return siteId + "/" + deviceId;
    }

    String siteId() {
        return siteId;
    }

    String sensorId() {
        return sensorId;
    }

    String serverUri() {
        return serverUri;
    }

    int readingsPerBatch() {
        return readingsPerBatch;
    }

    long refusals() {
        return refusals.get();
    }

    long reconnects() {
        return reconnects.get();
    }

    long sequenceNow() {
        return sequenceNow;
    }
}
