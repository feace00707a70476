package io.tocsin.ingest.support;

import java.util.concurrent.BlockingQueue;

/**
 * What the MQTT 5 and the MQTT 3.1.1 test clients ({@link V5Client}, {@link V3Client}) have alike as
 * subscribers, so that a check on what a subscriber received is written once for both versions.
 */
public interface PahoSubscriber {

    /** The next message received (probes excluded); fails after a few seconds. */
    V5Client.Received awaitMessage() throws InterruptedException;

    /** Messages received and not taken yet. */
    BlockingQueue<V5Client.Received> received();

    /** Returns once all the server wrote to this client before now is processed (see {@link V5Client#sync}). */
    void sync(TestServer server) throws Exception;
}
