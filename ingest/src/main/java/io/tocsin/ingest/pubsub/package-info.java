/**
 * Publish/subscribe between clients and from the server: topic filters, the subscription registry, SUBSCRIBE and
 * UNSUBSCRIBE, delivery of messages to subscribers. Telemetry topics are not relayed to subscribers.
 */
package io.tocsin.ingest.pubsub;
